//! What a resident does from their phone (issue 16), on HQ's store: open their case with
//! the ticket's secret, see it in plain words, rate it, add photos. Everything here checks
//! the secret against the case HQ holds; nothing personal leaves.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::db::HqDatabase;
use super::photos::Prepared;
use crate::config::Settings;
use crate::domain::case::{Case, MAX_PHOTOS};
use crate::domain::clocks::{DeadlineState, work_due};
use crate::domain::event::{CallbackRecord, ContactMethod, Event, EventBody, Rating};
use crate::domain::intake::Lang;
use crate::domain::resident::key_matches;
use crate::domain::validate::{MAX_TEXT_CHARS, ValidationError, clean_text};
use crate::kiosk::progress::{self, Step};
use crate::printer::layouts::{self, PaperContext};
use crate::store::{Photo, Result, StoreError};

/// Who a resident's own events are by, as at the kiosk.
pub const RESIDENT: &str = crate::app::RESIDENT;

/// A case as its resident sees it on their phone: no name, no phone, no place, no notes.
pub struct ResidentView {
    pub ticket: String,
    pub estate: String,
    pub status: String,
    /// Kind and category, in their language.
    pub summary: String,
    pub steps: Vec<Step>,
    /// The promise on their ticket ("维修 48 小时内完成").
    pub promise: String,
    /// When the current promise falls due, and whether it was kept, in plain words.
    pub promise_state: Option<String>,
    pub can_rate: bool,
    pub photos: Vec<Uuid>,
    pub can_add_photo: bool,
}

/// The case `ticket` if `key` is its secret; anything else (no such ticket, no key, a
/// wrong one) is the same `None`.
pub async fn open(db: &dyn HqDatabase, ticket: &str, key: &str) -> Result<Option<Case>> {
    let Ok(ticket) = crate::app::normalize_ticket(ticket) else { return Ok(None) };
    if crate::domain::resident::check_key(key).is_err() {
        return Ok(None);
    }
    Ok(db.case_by_ticket(&ticket).await?.filter(|case| key_matches(case, key)))
}

pub async fn view(
    db: &dyn HqDatabase,
    settings: &Settings,
    case: &Case,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<ResidentView> {
    let mut events: Vec<Event> = db.case_events(case.id).await?.into_iter().map(|s| s.event).collect();
    events.sort_by(|a, b| a.order_key().cmp(&b.order_key()));
    let tz = settings.calendar.tz;
    let category = settings.catalogue.get(&case.intake.category).map(|c| c.name(lang).to_string());
    let ctx = PaperContext {
        estate: &case.intake.estate,
        staff_lang: lang,
        front_desk_phone: None,
        catalogue: &settings.catalogue,
        calendar: &settings.calendar,
        staff: &[],
        resident_url: None,
    };
    let promise_state = work_due(case, &settings.calendar, now).map(|d| {
        let due = d.due.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
        let (zh, tw, en) = match d.state {
            DeadlineState::Met | DeadlineState::NotNeeded => {
                ("按时完成 ✓".to_string(), "按時完成 ✓".to_string(), "Done on time ✓".to_string())
            }
            DeadlineState::MetLate => (
                format!("已完成，但晚于承诺的 {due}"),
                format!("已完成，但晚於承諾的 {due}"),
                format!("Done, but after the promised {due}"),
            ),
            DeadlineState::Overdue => (
                format!("已超过承诺的 {due}，我们正在加紧处理"),
                format!("已超過承諾的 {due}，我們正在加緊處理"),
                format!("Past the promised {due}: we are on it"),
            ),
            DeadlineState::Paused => {
                ("暂停计时，等待中".to_string(), "暫停計時，等待中".to_string(), "On hold".to_string())
            }
            DeadlineState::Pending => {
                (format!("承诺 {due} 前完成"), format!("承諾 {due} 前完成"), format!("Promised by {due}"))
            }
        };
        match lang {
            Lang::ZhCn => zh,
            Lang::ZhTw => tw,
            Lang::En => en,
        }
    });
    Ok(ResidentView {
        ticket: case.ticket().to_string(),
        estate: case.intake.estate.clone(),
        status: progress::status_name(case.status, lang).to_string(),
        summary: format!("{} · {}", case.kind().name(lang), category.unwrap_or_default()),
        steps: progress::timeline(&events, lang, tz),
        promise: layouts::promise(case, &ctx, lang).to_string(),
        promise_state,
        can_rate: progress::can_rate(case),
        photos: case.photos.clone(),
        can_add_photo: may_add_photo(case),
    })
}

pub fn may_add_photo(case: &Case) -> bool {
    case.closed_at.is_none() && case.photos.len() < MAX_PHOTOS
}

/// The resident's own rating from their phone: as at the kiosk ("not satisfied" reopens
/// the case), recorded as theirs (`ContactMethod::Online`), never as a staff callback.
pub async fn rate(
    db: &dyn HqDatabase,
    case: &Case,
    satisfied: bool,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Case> {
    if !progress::can_rate(case) {
        return Err(ValidationError::Invalid("this case cannot be rated now".into()).into());
    }
    let reason = reason.map(|r| clean_text(r, true)).filter(|r| !r.is_empty());
    if reason.as_ref().is_some_and(|r| r.chars().count() > MAX_TEXT_CHARS) {
        return Err(ValidationError::Invalid(format!(
            "the reason is longer than {MAX_TEXT_CHARS} characters"
        ))
        .into());
    }
    let record = CallbackRecord {
        method: ContactMethod::Online,
        quality: None,
        effect: None,
        satisfaction: Some(Rating::new(if satisfied { 5 } else { 2 }).map_err(ValidationError::Invalid)?),
        satisfied,
        shortcomings: reason,
        suggestions: None,
        next_callback_at: None,
        signature: None,
    };
    db.append_hq(case.id, EventBody::CallbackRecorded { record }, RESIDENT, now).await
}

/// Keeps a prepared photo and records it on the case. The picture is stored first, so the
/// event never names a missing one; if the case refuses it (its fourth photo arrived
/// meanwhile), the picture is deleted again.
pub async fn add_photo(
    db: &dyn HqDatabase,
    case: &Case,
    prepared: Prepared,
    now: DateTime<Utc>,
) -> Result<Case> {
    if !may_add_photo(case) {
        return Err(ValidationError::Invalid(format!(
            "a case takes at most {MAX_PHOTOS} photos, and none once closed"
        ))
        .into());
    }
    let photo = Photo {
        id: Uuid::now_v7(),
        case_id: case.id,
        added_at: now,
        width: prepared.width,
        height: prepared.height,
        picture: prepared.jpeg,
        thumbnail: prepared.thumbnail,
    };
    db.save_photo(&photo).await?;
    match db.append_hq(case.id, EventBody::PhotoAdded { photo: photo.id }, RESIDENT, now).await {
        Ok(case) => Ok(case),
        Err(e) => {
            if let Err(cleanup) = db.delete_photo(photo.id).await {
                tracing::error!(error = %cleanup, "a refused photo could not be deleted");
            }
            Err(e)
        }
    }
}

/// A photo of `case`, if it is one of its own.
pub async fn photo_of(db: &dyn HqDatabase, case: &Case, id: Uuid) -> Result<Option<Photo>> {
    if !case.photos.contains(&id) {
        return Ok(None);
    }
    Ok(db.photo(id).await?.filter(|p| p.case_id == case.id))
}

impl From<super::photos::PhotoError> for StoreError {
    fn from(e: super::photos::PhotoError) -> StoreError {
        StoreError::Validation(ValidationError::Invalid(e.to_string()))
    }
}
