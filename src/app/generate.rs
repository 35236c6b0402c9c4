//! Realistic cases in bulk, for the benchmarks and demonstrations: two years of an estate's
//! kiosk — mostly repairs, a quarter complaints, some suggestions — over a few hundred
//! homes, the older ones worked through to 结案 and the recent ones at every stage.
//! Filed through `Store::file_many`, so every event passes the workflow's checks.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::{Desk, RESIDENT};
use crate::domain::event::{CallbackRecord, ContactMethod, EventBody, Rating};
use crate::domain::filing::{FilingContext, NewCase};
use crate::domain::intake::{Department, Kind};
use crate::store::{BulkCase, Result};

/// A small fast generator (xorshift): the same seed gives the same estate.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

const WORDS: [&str; 8] = [
    "厨房水管漏水，地面有积水",
    "楼道灯不亮，晚上看不清",
    "电梯按钮失灵",
    "楼上装修噪音太大",
    "门口垃圾没人清理",
    "小区绿化带杂草多",
    "车库入口积水",
    "建议增设儿童游乐设施",
];

/// Files `count` cases spread over the two years before `now`, in batches of 10k (one
/// transaction each). Returns how many were filed.
pub fn realistic_cases(desk: &mut Desk, count: usize, now: DateTime<Utc>, seed: u64) -> Result<usize> {
    let mut dice = Dice(seed.max(1));
    let categories: Vec<_> =
        desk.settings.catalogue.all().iter().filter(|c| !c.staff_only && !c.emergency).cloned().collect();
    let pick = |dice: &mut Dice, kind: Kind| {
        let of_kind: Vec<_> = categories.iter().filter(|c| c.kind == kind).collect();
        of_kind[dice.roll(of_kind.len())].code.clone()
    };
    let span = Duration::days(730).num_seconds() as usize;
    let mut filed = 0;
    while filed < count {
        let batch = (count - filed).min(10_000);
        // Oldest first, so tickets rise with time as at a real kiosk.
        let mut times: Vec<DateTime<Utc>> =
            (0..batch).map(|_| now - Duration::seconds((dice.roll(span) + 60) as i64)).collect();
        times.sort();
        let mut cases = Vec::with_capacity(batch);
        for at in times {
            let kind = match dice.roll(20) {
                0..=11 => Kind::Repair,
                12..=17 => Kind::Complaint,
                _ => Kind::Suggestion,
            };
            let anonymous = dice.roll(10) == 0;
            let new = NewCase {
                kind: Some(kind),
                category: pick(&mut dice, kind),
                place: format!(
                    "{}-{}-{}",
                    1 + dice.roll(12),
                    1 + dice.roll(3),
                    101 + dice.roll(30) * 100 / 10
                ),
                phone: (!anonymous).then(|| format!("138{:08}", dice.roll(100_000_000))),
                text: WORDS[dice.roll(WORDS.len())].to_string(),
                // One in ten files without a name or number (no callback).
                anonymous,
                ..NewCase::default()
            };
            let id = Uuid::now_v7();
            let intake = new
                .validate(&FilingContext {
                    catalogue: &desk.settings.catalogue,
                    estate: &desk.settings.estate,
                    case_id: id,
                    repair_sample_percent: desk.settings.repair_sample_percent,
                })
                .map_err(crate::store::StoreError::from)?;
            let age = now - at;
            let stage = if age > Duration::days(30) { 5 } else { dice.roll(6) };
            // Only what has happened by `now`: a recent case is still mid-way (events
            // stamped in the future would wait at HQ as a wrong clock's would).
            let mut then = workflow(kind, stage, at, intake.contact.is_some(), &mut dice);
            then.retain(|(_, _, when)| *when <= now);
            cases.push(BulkCase { id, intake, actor: RESIDENT.into(), at, then });
        }
        let kiosk = desk.settings.kiosk.clone();
        desk.store_mut().file_many(&kiosk, cases)?;
        filed += batch;
    }
    Ok(filed)
}

/// What happened after filing, up to `stage` (5: closed).
fn workflow(
    kind: Kind,
    stage: usize,
    at: DateTime<Utc>,
    contact: bool,
    dice: &mut Dice,
) -> Vec<(EventBody, String, DateTime<Utc>)> {
    let mut steps = Vec::new();
    let mut when = at;
    let mut step = |body: EventBody, by: &str, hours: i64| {
        when += Duration::hours(hours);
        steps.push((body, by.to_string(), when));
    };
    if stage >= 1 {
        step(EventBody::Acknowledged { note: None }, "wang", 2);
    }
    if kind == Kind::Suggestion {
        if stage >= 3 {
            step(
                EventBody::SuggestionDecided { adopted: dice.roll(2) == 0, reason: "讨论决定".into() },
                "liu",
                72,
            );
            step(EventBody::Replied { method: ContactMethod::Phone, text: "已告知住户".into() }, "wang", 2);
        }
        if stage >= 5 {
            step(EventBody::Closed { note: None }, "liu", 24);
        }
        return steps;
    }
    if stage >= 2 {
        let department = if kind == Kind::Complaint { Department::Security } else { Department::Engineering };
        step(EventBody::Assigned { department, assignee: Some("李师傅".into()) }, "wang", 1);
    }
    if stage >= 3 {
        step(EventBody::Resolved { note: "已维修完毕".into() }, "li", 20 + dice.roll(48) as i64);
    }
    if stage >= 4 && contact {
        let record = CallbackRecord::satisfied_by_phone(Rating::new(3 + dice.roll(3) as u8).ok());
        step(EventBody::CallbackRecorded { record }, "liu", 24);
        // The supervisor signs the record off before the case is closed (001 11.1.8);
        // the newest wait for it.
        if stage >= 5 {
            step(EventBody::CallbackReviewed { round: 1, opinion: "回访属实".into() }, "he", 4);
        }
    }
    if stage >= 5 {
        step(EventBody::Closed { note: None }, "liu", 24);
    }
    steps
}
