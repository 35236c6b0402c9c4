//! What one resident has chosen and typed at the kiosk, screen by screen, and the checks
//! each "next" makes. Cleared completely when they finish or walk away.

use crate::domain::category::Catalogue;
use crate::domain::filing::NewCase;
use crate::domain::intake::{Channel, Kind, Lang, Place};
use crate::domain::validate::{MAX_TEXT_CHARS, Phone};
use crate::input::pinyin::Composer;

use super::words::{self, Msg};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Screen {
    #[default]
    Home,
    Category,
    /// Which emergency: fire, gas, flood, power cut, trapped in a lift.
    Hazard,
    /// Where it is: one tap from a short list.
    EmergencyWhere,
    /// The one confirmation (with an optional phone number) before the alert goes out.
    EmergencyConfirm,
    /// Filed: the number to call and what to do now.
    Emergency,
    Place,
    Details,
    Contact,
    /// When a repair visit suits (repairs with a phone number only).
    Visit,
    Review,
    Ticket,
    Lookup,
    /// The PIN pad in front of the staff screen.
    StaffSignIn,
    /// The desk for a signed-in staff member: today, find, alerts.
    Staff,
    /// One case at the desk, with the actions the person may take.
    StaffCase,
    /// The callback form (回访) for the case on screen.
    StaffCallback,
    /// A small form behind one of the case page's actions.
    StaffForm,
    /// A paid repair's fee quote and the resident's answer.
    StaffQuote,
}

/// 0: pinyin, 1: Latin letters, 2: digits — as the keyboard component counts them.
pub type KeyboardMode = i32;

#[derive(Clone, Debug, Default)]
pub struct Flow {
    pub screen: Screen,
    pub lang: Lang,
    pub large_text: bool,
    pub kind: Option<Kind>,
    pub category: Option<String>,
    // Place
    pub public_area: bool,
    pub building: String,
    pub unit: String,
    pub room: String,
    pub place_field: i32,
    pub area: Option<usize>,
    // Details
    pub text: String,
    pub composer: Composer,
    pub keyboard: KeyboardMode,
    // Contact
    pub phone: String,
    pub name: String,
    pub anonymous: bool,
    /// The resident said no to messages about the case.
    pub no_messages: bool,
    pub contact_field: i32,
    pub name_composer: Composer,
    pub name_keyboard: KeyboardMode,
    pub visit: usize,
    // Emergency
    pub hazard: Option<String>,
    /// The place chosen from the emergency list (its words, in Chinese).
    pub emergency_place: Option<String>,
    pub emergency_phone: String,
    /// The message shown on the current screen, if its check failed.
    pub error: Option<Msg>,
    /// Staff filing for a caller or walk-in (issue 13): who files (the first-inquiry
    /// owner) and how the resident came. `None`: a resident at the kiosk.
    pub staff_filing: Option<(String, Channel)>,
    /// What only staff set at filing (urgency, class, severity, department); `None`s take
    /// the category's defaults.
    pub staff_intake: StaffIntake,
}

/// The intake fields the desk's 登记 sets beyond the resident pages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StaffIntake {
    pub urgency: Option<crate::domain::intake::Urgency>,
    pub complaint_class: Option<crate::domain::intake::ComplaintClass>,
    pub severity: Option<crate::domain::intake::Severity>,
    pub department: Option<crate::domain::intake::Department>,
}

/// Letters allowed in building/unit/room fields besides digits (A栋 → A).
const FIELD_MAX: usize = 5;

impl Flow {
    /// A fresh flow in `lang`: nothing of anyone before survives.
    pub fn new(lang: Lang) -> Flow {
        Flow { lang, place_field: 0, ..Flow::default() }
    }

    pub fn start(&mut self, kind: Kind) {
        let (lang, large) = (self.lang, self.large_text);
        // English speakers type letters; everyone else starts in pinyin.
        let keyboard = if lang == Lang::En { 1 } else { 0 };
        *self = Flow {
            lang,
            large_text: large,
            kind: Some(kind),
            screen: Screen::Category,
            keyboard,
            name_keyboard: keyboard,
            ..Flow::default()
        };
        self.set_script(lang);
    }

    /// Staff file for a caller, walk-in, letter or hotline case with the resident pages:
    /// every category of the kind (staff-only ones too), the staff member as owner.
    pub fn start_for_staff(&mut self, kind: Kind, staff: String, channel: Channel) {
        self.start(kind);
        self.staff_filing = Some((staff, channel));
    }

    /// The 繁體 screens get traditional characters from the pinyin keyboard.
    pub fn set_script(&mut self, lang: Lang) {
        self.composer.traditional = lang == Lang::ZhTw;
        self.name_composer.traditional = lang == Lang::ZhTw;
    }

    /// The emergency path, from its own entry on the home screen or from the repair
    /// categories: nothing typed before it is kept.
    pub fn start_emergency(&mut self) {
        let (lang, large) = (self.lang, self.large_text);
        *self = Flow {
            lang,
            large_text: large,
            kind: Some(Kind::Repair),
            screen: Screen::Hazard,
            ..Flow::default()
        };
    }

    pub fn back(&mut self) {
        self.error = None;
        self.screen = match self.screen {
            Screen::Home
            | Screen::Category
            | Screen::Hazard
            | Screen::Lookup
            | Screen::Emergency
            | Screen::Ticket
            | Screen::StaffSignIn
            | Screen::Staff => Screen::Home,
            Screen::StaffCase => Screen::Staff,
            Screen::StaffCallback | Screen::StaffForm | Screen::StaffQuote => Screen::StaffCase,
            Screen::EmergencyWhere => Screen::Hazard,
            Screen::EmergencyConfirm => Screen::EmergencyWhere,
            Screen::Place => Screen::Category,
            Screen::Details => Screen::Place,
            Screen::Contact => Screen::Details,
            Screen::Visit => Screen::Contact,
            Screen::Review if self.asks_visit() => Screen::Visit,
            Screen::Review => Screen::Contact,
        };
    }

    /// Repairs with a way to reach the resident ask when a visit suits.
    fn asks_visit(&self) -> bool {
        self.kind == Some(Kind::Repair) && !self.anonymous
    }

    // --- Place ---

    pub fn place_key(&mut self, key: &str) {
        let field = match self.place_field {
            0 => &mut self.building,
            1 => &mut self.unit,
            _ => &mut self.room,
        };
        if key.chars().all(|c| c.is_ascii_alphanumeric()) && field.len() + key.len() <= FIELD_MAX {
            field.push_str(&key.to_ascii_uppercase());
        }
    }

    pub fn place_backspace(&mut self) {
        let field = match self.place_field {
            0 => &mut self.building,
            1 => &mut self.unit,
            _ => &mut self.room,
        };
        field.pop();
    }

    pub fn place(&self) -> Option<Place> {
        if self.public_area {
            let area = words::AREAS.get(self.area?)?;
            // Stored in Chinese whatever the screen language: staff and HQ read it.
            return Place::public_area(area.0).ok();
        }
        let text = if self.unit.is_empty() {
            format!("{}-{}", self.building, self.room)
        } else {
            format!("{}-{}-{}", self.building, self.unit, self.room)
        };
        Place::parse(&text).ok()
    }

    pub fn place_next(&mut self) -> bool {
        if self.place().is_some() {
            self.error = None;
            self.screen = Screen::Details;
            true
        } else {
            self.error = Some(if self.public_area { words::ERR_AREA } else { words::ERR_ROOM });
            false
        }
    }

    // --- Details (and the name field, which shares the keyboard logic) ---

    pub fn type_key(text: &mut String, composer: &mut Composer, mode: KeyboardMode, key: &str, max: usize) {
        let mut chars = key.chars();
        let single = chars.next().filter(|_| chars.next().is_none());
        match single {
            Some(c) if mode == 0 && c.is_ascii_alphabetic() => composer.push(c),
            _ => {
                if !composer.preedit.is_empty() {
                    let best = composer.commit_best();
                    push_limited(text, &best, max);
                }
                push_limited(text, key, max);
            }
        }
    }

    pub fn backspace(text: &mut String, composer: &mut Composer) {
        if !composer.backspace() {
            text.pop();
        }
    }

    pub fn space(text: &mut String, composer: &mut Composer, max: usize) {
        if composer.preedit.is_empty() {
            push_limited(text, " ", max);
        } else {
            let best = composer.commit_best();
            push_limited(text, &best, max);
        }
    }

    pub fn choose(text: &mut String, composer: &mut Composer, i: usize, max: usize) {
        if let Some(word) = composer.choose(i) {
            push_limited(text, &word, max);
        }
    }

    pub fn add_phrase(&mut self, phrase: &str) {
        if !self.text.is_empty() && !self.text.ends_with(['，', ' ', '。']) {
            push_limited(&mut self.text, if self.lang == Lang::En { ", " } else { "，" }, MAX_TEXT_CHARS);
        }
        push_limited(&mut self.text, phrase, MAX_TEXT_CHARS);
    }

    pub fn details_next(&mut self) -> bool {
        commit_all(&mut self.text, &mut self.composer, MAX_TEXT_CHARS);
        if self.text.trim().is_empty() {
            self.error = Some(words::ERR_TEXT);
            return false;
        }
        self.error = None;
        self.screen = Screen::Contact;
        true
    }

    // --- Contact ---

    pub fn phone_key(&mut self, key: &str) {
        if key.chars().all(|c| c.is_ascii_digit() || c == '-') && self.phone.len() < 16 {
            self.phone.push_str(key);
        }
    }

    pub fn contact_next(&mut self) -> bool {
        commit_all(&mut self.name, &mut self.name_composer, 30);
        if !self.anonymous && Phone::parse(&self.phone).is_err() {
            self.error = Some(words::ERR_PHONE);
            return false;
        }
        self.error = None;
        self.screen = if self.asks_visit() { Screen::Visit } else { Screen::Review };
        true
    }

    pub fn pick_visit(&mut self, i: usize) {
        self.visit = i.min(words::VISIT_WINDOWS.len() - 1);
        self.screen = Screen::Review;
    }

    // --- Emergency ---

    pub fn emergency_phone_key(&mut self, key: &str) {
        if key.chars().all(|c| c.is_ascii_digit() || c == '-') && self.emergency_phone.len() < 16 {
            self.emergency_phone.push_str(key);
        }
    }

    /// The emergency case, once confirmed: anonymous unless a valid phone was left.
    /// `None` (and an error on screen) when the phone typed is not a phone number.
    pub fn emergency_case(&mut self) -> Option<NewCase> {
        let hazard = self.hazard.clone()?;
        let place = self.emergency_place.clone().unwrap_or_else(|| words::AREAS[0].0.to_string());
        let phone = self.emergency_phone.trim().to_string();
        if !phone.is_empty() && Phone::parse(&phone).is_err() {
            self.error = Some(words::ERR_PHONE);
            return None;
        }
        self.error = None;
        Some(NewCase {
            kind: Some(Kind::Repair),
            category: hazard,
            place: format!("public:{place}"),
            anonymous: phone.is_empty(),
            phone: (!phone.is_empty()).then_some(phone),
            text: place,
            lang: self.lang,
            ..NewCase::default()
        })
    }

    /// What the review screen and the store get.
    pub fn new_case(&self, catalogue: &Catalogue) -> NewCase {
        let category = self.category.clone().unwrap_or_default();
        let is_repair = catalogue.get(&category).is_some_and(|c| c.kind == Kind::Repair);
        NewCase {
            kind: self.kind,
            category,
            place: self
                .place()
                .map(|p| match p {
                    Place::PublicArea { name } => format!("public:{name}"),
                    home => home.to_string(),
                })
                .unwrap_or_default(),
            phone: (!self.anonymous).then(|| self.phone.clone()),
            name: (!self.anonymous && !self.name.trim().is_empty()).then(|| self.name.clone()),
            anonymous: self.anonymous,
            no_messages: self.no_messages && !self.anonymous,
            text: self.text.clone(),
            visit_window: (is_repair && !self.anonymous)
                .then(|| words::VISIT_WINDOWS[self.visit.min(4)].0.to_string()),
            lang: self.lang,
            staff: self.staff_filing.as_ref().map(|(id, _)| id.clone()),
            channel: self.staff_filing.as_ref().map(|(_, channel)| *channel),
            urgency: self.staff_intake.urgency,
            complaint_class: self.staff_intake.complaint_class,
            severity: self.staff_intake.severity,
            department: self.staff_intake.department,
            ..NewCase::default()
        }
    }
}

/// Letters still being typed become words (the best each time) before moving on:
/// nothing typed is dropped.
fn commit_all(text: &mut String, composer: &mut Composer, max: usize) {
    while !composer.preedit.is_empty() {
        let best = composer.commit_best();
        push_limited(text, &best, max);
    }
}

pub fn push_limited(text: &mut String, add: &str, max: usize) {
    for c in add.chars() {
        if text.chars().count() >= max {
            return;
        }
        text.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinyin_typing_and_choosing_builds_chinese_text() {
        let mut f = Flow::new(Lang::ZhCn);
        for c in "loushui".chars() {
            Flow::type_key(&mut f.text, &mut f.composer, 0, &c.to_string(), 500);
        }
        assert_eq!(f.text, "");
        Flow::choose(&mut f.text, &mut f.composer, 0, 500);
        assert_eq!(f.text, "漏水");
        // Punctuation commits what is pending first.
        for c in "le".chars() {
            Flow::type_key(&mut f.text, &mut f.composer, 0, &c.to_string(), 500);
        }
        Flow::type_key(&mut f.text, &mut f.composer, 0, "。", 500);
        assert_eq!(f.text, "漏水了。");
    }

    #[test]
    fn next_converts_every_letter_still_typed() {
        let mut f = Flow::new(Lang::ZhCn);
        f.screen = Screen::Details;
        for c in "loushuile".chars() {
            Flow::type_key(&mut f.text, &mut f.composer, 0, &c.to_string(), 500);
        }
        assert!(f.details_next());
        assert_eq!(f.text, "漏水了", "nothing typed is dropped");
    }

    #[test]
    fn a_home_needs_building_and_room_and_a_public_area_a_choice() {
        let mut f = Flow::new(Lang::ZhCn);
        f.screen = Screen::Place;
        assert!(!f.place_next());
        f.building = "3".into();
        f.room = "1201".into();
        assert!(f.place_next());
        assert_eq!(f.place().unwrap().to_string(), "3-1201");
        let mut g = Flow::new(Lang::En);
        g.public_area = true;
        assert!(!g.place_next());
        g.area = Some(3);
        assert!(g.place_next());
        assert_eq!(g.place().unwrap(), Place::PublicArea { name: "地下车库".into() });
    }

    #[test]
    fn starting_again_keeps_only_the_language_and_text_size() {
        let mut f = Flow::new(Lang::En);
        f.large_text = true;
        f.text = "secret".into();
        f.phone = "13800138000".into();
        f.start(Kind::Repair);
        assert_eq!((f.lang, f.large_text, f.text.as_str(), f.phone.as_str()), (Lang::En, true, "", ""));
    }
}
