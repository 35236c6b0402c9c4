//! The screens' adapters (resident and staff): the only code that touches Slint types. Each callback
//! of a page's adapter global updates the kiosk's flow (`crate::kiosk`), then `render`
//! pushes the whole state back into the globals. Disk and printer work goes to the
//! service backend; its answers come back on the UI thread.

mod desk;
pub mod screenshot;

use chrono::{DateTime, Utc};
use slint::{ComponentHandle, Model, ModelRc, SharedString, VecModel};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::domain::category::Catalogue;
use crate::domain::intake::{Kind, Lang};
use crate::domain::validate::MAX_TEXT_CHARS;
use crate::kiosk::flow::{Flow, Screen};
use crate::kiosk::guard::{Idle, IdleTimer, LookupRefusal};
use crate::kiosk::service::{
    AlertRow as AlertLine, Backend, Filed, LookupOutcome, PrintOutcome, Progress, Service,
};
use crate::kiosk::staff::{PIN_DIGITS, SignInRefusal, StaffSession};
use crate::kiosk::words::{self, Msg};

slint::include_modules!();

/// What the kiosk shows besides the form itself.
#[derive(Clone, Debug, Default)]
struct TicketView {
    filed: Option<Filed>,
    print: Option<PrintOutcome>,
    reprinted: bool,
}

#[derive(Clone, Debug, Default)]
struct LookupView {
    keyboard: i32,
    ticket: String,
    last4: String,
    field: i32,
    error: Option<String>,
    result: Option<Progress>,
    choosing_reason: bool,
    rated: Option<Msg>,
    /// Everything a keyboard or scanner typed since the last Enter: a ticket's QR holds a
    /// phone link (`https://…/r/K01-00042/…`) when HQ is configured.
    scanned: String,
}

/// The staff side: the PIN being typed, then who is signed in and the alerts they see.
/// Cleared with everything else when the kiosk resets (sign-out, or nobody touching it).
#[derive(Clone, Debug, Default)]
struct StaffView {
    pin: String,
    error: Option<String>,
    busy: bool,
    session: Option<StaffSession>,
    alerts: Vec<AlertLine>,
}

/// Shown as the emergency number until the estate configures its own: fire, ambulance,
/// police.
pub const PUBLIC_EMERGENCY_NUMBERS: &str = "119 / 120 / 110";

/// Settings the screens need, copied once at start.
#[derive(Clone, Debug)]
pub struct KioskConfig {
    pub estate: String,
    pub front_desk_phone: String,
    pub emergency_phone: String,
    pub catalogue: Catalogue,
    pub idle_timeout: Duration,
    pub default_lang: Lang,
    /// Quiet time before the screen dims (`None`: never).
    pub dim_after: Option<Duration>,
    /// This kiosk's ticket prefix: the lookup starts with it typed.
    pub kiosk_code: String,
    pub buildings: Vec<String>,
    pub lifts: Vec<String>,
    /// HQ is configured, so residents who leave a phone get messages (and may decline).
    pub sends_messages: bool,
    /// The kiosk can read the ticket aloud (espeak-ng is there).
    pub read_aloud: bool,
}

impl KioskConfig {
    pub fn from_settings(settings: &crate::config::Settings) -> KioskConfig {
        let phone = |p: &Option<crate::domain::validate::Phone>| {
            p.as_ref().map(|p| p.as_str().to_string()).unwrap_or_default()
        };
        KioskConfig {
            estate: settings.estate.clone(),
            front_desk_phone: phone(&settings.front_desk_phone),
            // Never an emergency screen without a number: the public ones until one is set.
            emergency_phone: Some(phone(&settings.emergency_phone))
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| PUBLIC_EMERGENCY_NUMBERS.into()),
            catalogue: settings.catalogue.clone(),
            idle_timeout: Duration::from_secs(u64::from(settings.idle_seconds)),
            default_lang: Lang::ZhCn,
            dim_after: (settings.dim_seconds > 0)
                .then(|| Duration::from_secs(u64::from(settings.dim_seconds))),
            kiosk_code: settings.kiosk.as_str().to_string(),
            buildings: settings.buildings.clone(),
            lifts: settings.lifts.clone(),
            sends_messages: settings.hq.is_some(),
            read_aloud: false,
        }
    }
}

pub struct Kiosk {
    backlight: Box<dyn crate::hw::backlight::Backlight>,
    /// Shown at the bottom of every screen for a few seconds (e.g. "staff are coming").
    notice: Option<(Msg, Instant)>,
    /// Simulated call button (off a Pi): F2 presses it.
    simulated_button: Option<(crate::hw::sim::SimulatedPins, crate::hw::Pin)>,
    app: slint::Weak<AppWindow>,
    backend: Rc<dyn Backend>,
    config: KioskConfig,
    pub flow: Flow,
    idle: IdleTimer,
    ticket: TicketView,
    lookup: LookupView,
    staff: StaffView,
    desk: desk::DeskView,
    busy: bool,
    save_error: Option<Msg>,
}

thread_local! {
    static KIOSK: RefCell<Option<Kiosk>> = const { RefCell::new(None) };
    static UI_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Backend answers that arrived on the UI thread while an event was being handled.
    static PENDING: RefCell<std::collections::VecDeque<Box<dyn FnOnce()>>> = RefCell::new(Default::default());
}

/// Runs `f` on this thread's kiosk (the UI thread's).
pub fn with_kiosk<R>(f: impl FnOnce(&mut Kiosk) -> R) -> Option<R> {
    KIOSK.with(|k| k.borrow_mut().as_mut().map(f))
}

/// Runs `f` on the UI thread: queued behind the event being handled when we are on it
/// (the inline backend answers at once), else through the event loop (worker thread).
fn on_ui_thread(f: impl FnOnce() + Send + 'static) {
    if UI_THREAD.with(|u| u.get()) {
        PENDING.with(|p| p.borrow_mut().push_back(Box::new(f)));
        // Inside an event or `with_kiosk` the kiosk is busy: whoever holds it drains.
        if KIOSK.with(|k| k.try_borrow().map(|k| k.is_some()).unwrap_or(false)) {
            drain_pending();
        }
    } else {
        let _ = slint::invoke_from_event_loop(f);
    }
}

fn drain_pending() {
    while let Some(next) = PENDING.with(|p| p.borrow_mut().pop_front()) {
        next();
    }
}

/// Handles a resident's touch: the kiosk updates, then the screens show it. The kiosk is
/// taken out of its cell meanwhile; answers the backend gives at once are applied after.
fn event(f: impl FnOnce(&mut Kiosk)) {
    handle(f, true);
}

/// Handles something the system did (a backend answer, the call button): it always
/// happens, and it does not count as the resident being there.
fn system_event(f: impl FnOnce(&mut Kiosk)) {
    handle(f, false);
}

fn handle(f: impl FnOnce(&mut Kiosk), by_touch: bool) {
    let Some(mut kiosk) = KIOSK.with(|k| k.borrow_mut().take()) else { return };
    if by_touch {
        kiosk.idle.touch(Instant::now());
    }
    if kiosk.backlight.dimmed() {
        kiosk.backlight.set_dimmed(false);
        // The touch that wakes a dimmed screen only wakes it: nobody meant to press
        // whatever happened to be under their finger in the dark.
        if !by_touch {
            f(&mut kiosk);
        }
    } else {
        f(&mut kiosk);
    }
    kiosk.render();
    KIOSK.with(|k| *k.borrow_mut() = Some(kiosk));
    drain_pending();
}

fn strings(items: impl IntoIterator<Item = String>) -> ModelRc<SharedString> {
    ModelRc::new(VecModel::from(items.into_iter().map(SharedString::from).collect::<Vec<_>>()))
}

fn qr_image(data: &str) -> slint::Image {
    let bitmap = crate::printer::raster::qr(data, 6, 0);
    let mut buffer =
        slint::SharedPixelBuffer::<slint::Rgba8Pixel>::new(bitmap.width as u32, bitmap.height.max(1) as u32);
    for (pixel, black) in buffer.make_mut_slice().iter_mut().zip(&bitmap.pixels) {
        let v = if *black { 0 } else { 255 };
        *pixel = slint::Rgba8Pixel { r: v, g: v, b: v, a: 255 };
    }
    slint::Image::from_rgba8(buffer)
}

/// Sets everything up on `app` and registers the kiosk on this (the UI) thread.
pub fn attach(app: &AppWindow, backend: Rc<dyn Backend>, config: KioskConfig) {
    let kiosk = Kiosk {
        backlight: crate::hw::backlight::SysfsBacklight::find()
            .map(|b| Box::new(b) as Box<dyn crate::hw::backlight::Backlight>)
            .unwrap_or_else(|| Box::new(crate::hw::backlight::NoBacklight::default())),
        notice: None,
        simulated_button: None,
        app: app.as_weak(),
        backend,
        flow: Flow::new(config.default_lang),
        idle: IdleTimer::new(config.idle_timeout, Instant::now()),
        ticket: TicketView::default(),
        lookup: LookupView::default(),
        staff: StaffView::default(),
        desk: desk::DeskView::default(),
        busy: false,
        save_error: None,
        config,
    };
    let _ = slint::select_bundled_translation(kiosk.flow.lang.code());
    UI_THREAD.with(|u| u.set(true));
    KIOSK.with(|k| *k.borrow_mut() = Some(kiosk));
    wire(app);
    desk::wire(app);
    with_kiosk(|k| k.render());
}

fn wire(app: &AppWindow) {
    let k = app.global::<KioskAdapter>();
    k.on_back(|| event(|k| k.back()));
    k.on_set_lang(|l| event(|k| k.set_lang(&l)));
    k.on_toggle_large_text(|| event(|k| k.flow.large_text = !k.flow.large_text));
    k.on_still_here(|| event(|_| {}));
    k.on_physical_key(|text| {
        let mut used = false;
        event(|k| used = k.physical_key(&text));
        used
    });

    let h = app.global::<HomeAdapter>();
    h.on_start(|kind| {
        event(|k| {
            let kind = kind.parse::<Kind>().unwrap_or(Kind::Repair);
            k.flow.start(kind);
        })
    });
    h.on_lookup(|| event(|k| k.open_lookup()));
    h.on_emergency(|| event(|k| k.flow.start_emergency()));
    h.on_staff(|| event(|k| k.open_staff()));

    let st = app.global::<StaffAdapter>();
    st.on_key(|key| {
        event(|k| {
            if key.chars().all(|c| c.is_ascii_digit()) && k.staff.pin.len() + key.len() <= *PIN_DIGITS.end() {
                k.staff.pin.push_str(&key);
            }
        })
    });
    st.on_backspace(|| {
        event(|k| {
            k.staff.pin.pop();
        })
    });
    st.on_sign_in(|| event(|k| k.staff_sign_in()));
    st.on_acknowledge(|id| event(|k| k.acknowledge(vec![id as u64])));
    st.on_acknowledge_all(|| {
        event(|k| {
            let shown = k.staff.alerts.iter().filter(|a| a.on_site_clock.is_none()).map(|a| a.id).collect();
            k.acknowledge(shown);
        })
    });
    st.on_on_site(|id| event(|k| k.on_site(id as u64)));
    st.on_sign_out(|| event(|k| k.reset()));

    app.global::<CategoryAdapter>().on_pick(|code| event(|k| k.pick_category(&code)));

    let e = app.global::<EmergencyAdapter>();
    e.on_pick_hazard(|code| event(|k| k.pick_hazard(&code)));
    e.on_pick_place(|i| {
        event(|k| {
            let lang = k.flow.lang;
            if let Some((stored, _)) = k.emergency_places(lang).into_iter().nth(i.max(0) as usize) {
                k.flow.emergency_place = Some(stored);
                k.flow.error = None;
                k.flow.screen = Screen::EmergencyConfirm;
            }
        })
    });
    e.on_key(|key| event(|k| k.flow.emergency_phone_key(&key)));
    e.on_backspace(|| {
        event(|k| {
            k.flow.emergency_phone.pop();
        })
    });
    e.on_confirm(|| event(|k| k.confirm_emergency()));
    e.on_cancel(|| event(|k| k.reset()));
    e.on_done(|| event(|k| k.reset()));

    let p = app.global::<PlaceAdapter>();
    p.on_set_mode(|m| event(|k| k.flow.public_area = m == 1));
    p.on_focus(|f| event(|k| k.flow.place_field = f));
    p.on_key(|key| event(|k| k.flow.place_key(&key)));
    p.on_backspace(|| event(|k| k.flow.place_backspace()));
    p.on_pick_area(|a| {
        event(|k| {
            let lang = k.flow.lang;
            k.flow.area = words::AREAS.iter().position(|m| m.get(lang) == a.as_str());
        })
    });
    p.on_next(|| {
        event(|k| {
            k.flow.place_next();
        })
    });

    let d = app.global::<DetailsAdapter>();
    d.on_add_phrase(|p| event(|k| k.flow.add_phrase(&p)));
    d.on_key(|key| {
        event(|k| {
            let f = &mut k.flow;
            Flow::type_key(&mut f.text, &mut f.composer, f.keyboard, &key, MAX_TEXT_CHARS);
        })
    });
    d.on_backspace(|| event(|k| Flow::backspace(&mut k.flow.text, &mut k.flow.composer)));
    d.on_space(|| event(|k| Flow::space(&mut k.flow.text, &mut k.flow.composer, MAX_TEXT_CHARS)));
    d.on_choose(|i| {
        event(|k| {
            let i = k.flow.composer.first + i.max(0) as usize;
            Flow::choose(&mut k.flow.text, &mut k.flow.composer, i, MAX_TEXT_CHARS)
        })
    });
    d.on_page(|delta| {
        event(|k| {
            let shown = k.candidate_page(&k.flow.composer).0.len();
            page(&mut k.flow.composer, delta, shown);
        })
    });
    d.on_set_mode(|m| {
        event(|k| {
            let f = &mut k.flow;
            if !f.composer.preedit.is_empty() {
                Flow::space(&mut f.text, &mut f.composer, MAX_TEXT_CHARS);
            }
            f.keyboard = m;
        })
    });
    d.on_clear(|| {
        event(|k| {
            k.flow.text.clear();
            k.flow.composer.preedit.clear();
        })
    });
    d.on_next(|| {
        event(|k| {
            k.flow.details_next();
        })
    });

    let c = app.global::<ContactAdapter>();
    c.on_focus(|f| event(|k| k.flow.contact_field = f));
    c.on_key(|key| {
        event(|k| {
            let f = &mut k.flow;
            if f.contact_field == 0 {
                f.phone_key(&key);
            } else {
                Flow::type_key(&mut f.name, &mut f.name_composer, f.name_keyboard, &key, 30);
            }
        })
    });
    c.on_backspace(|| {
        event(|k| {
            let f = &mut k.flow;
            if f.contact_field == 0 {
                f.phone.pop();
            } else {
                Flow::backspace(&mut f.name, &mut f.name_composer);
            }
        })
    });
    c.on_space(|| event(|k| Flow::space(&mut k.flow.name, &mut k.flow.name_composer, 30)));
    c.on_choose(|i| {
        event(|k| {
            let i = k.flow.name_composer.first + i.max(0) as usize;
            Flow::choose(&mut k.flow.name, &mut k.flow.name_composer, i, 30)
        })
    });
    c.on_page(|delta| {
        event(|k| {
            let shown = k.candidate_page(&k.flow.name_composer).0.len();
            page(&mut k.flow.name_composer, delta, shown);
        })
    });
    c.on_set_mode(|m| event(|k| k.flow.name_keyboard = m));
    c.on_toggle_anonymous(|| {
        event(|k| {
            k.flow.anonymous = !k.flow.anonymous;
            k.flow.error = None;
        })
    });
    c.on_pick_window(|i| event(|k| k.flow.pick_visit(i.max(0) as usize)));
    c.on_next(|| {
        event(|k| {
            k.flow.contact_next();
        })
    });

    app.global::<ReviewAdapter>().on_submit(|| event(|k| k.submit()));
    app.global::<ReviewAdapter>().on_toggle_messages(|| event(|k| k.flow.no_messages = !k.flow.no_messages));

    let t = app.global::<TicketAdapter>();
    t.on_reprint(|| event(|k| k.reprint()));
    t.on_read_aloud(|| event(|k| k.read_ticket_aloud()));
    app.global::<LookupAdapter>().on_read_aloud(|| event(|k| k.read_progress_aloud()));
    t.on_done(|| event(|k| k.reset()));

    let l = app.global::<LookupAdapter>();
    l.on_focus(|f| event(|k| k.lookup.field = f));
    // The keypad (this kiosk's code is typed already), or letters for another code.
    l.on_set_mode(|m| {
        event(|k| {
            k.lookup.keyboard = if (1..=3).contains(&m) { m } else { 2 };
            if m != 2 {
                k.lookup.field = 0;
            }
        })
    });
    l.on_key(|key| {
        event(|k| {
            k.lookup_key(&key);
            // Five digits typed on the keypad make a whole number: on to the phone digits.
            let full = k.lookup.ticket.rsplit_once('-').is_some_and(|(_, d)| d.len() == 5);
            if k.lookup.field == 0
                && full
                && k.lookup.keyboard == 2
                && key.chars().all(|c| c.is_ascii_digit())
            {
                k.lookup.field = 1;
            }
        })
    });
    l.on_backspace(|| {
        event(|k| {
            if k.lookup.field == 0 {
                k.lookup.ticket.pop();
            } else {
                k.lookup.last4.pop();
            }
        })
    });
    l.on_submit(|| event(|k| k.lookup_submit()));
    l.on_rate_satisfied(|| event(|k| k.rate(true, None)));
    l.on_rate_unsatisfied(|| event(|k| k.lookup.choosing_reason = true));
    l.on_reason(|r| event(|k| k.rate(false, Some(r.to_string()))));
    l.on_done(|| event(|k| k.reset()));
}

fn page(composer: &mut crate::input::pinyin::Composer, delta: i32, shown: usize) {
    if delta > 0 {
        composer.next_page(shown);
    } else {
        composer.previous_page();
    }
}

/// About how wide `text` is drawn at `font` px: Chinese characters are square, Latin
/// letters a little over half as wide. Used to fill the candidate bar without overflow;
/// the fit test measures the real thing.
fn text_width(text: &str, font: f32) -> f32 {
    text.chars().map(|c| if c.is_ascii() { 0.62 * font } else { font }).sum()
}

/// As many `words` (from the first) as fit in `room` px, each padded by `pad` and at
/// least `min` wide.
fn fitting(words: &[String], room: f32, font: f32, pad: f32, min: f32) -> usize {
    let mut used = 0.0;
    words
        .iter()
        .take_while(|w| {
            used += (text_width(w, font) + pad).max(min);
            used <= room
        })
        .count()
}

/// The ticket typed at the lookup with its number padded: "K01-1" is K01-00001.
fn padded_ticket(typed: &str) -> String {
    match typed.rsplit_once('-') {
        Some((code, digits))
            if !digits.is_empty() && digits.len() < 5 && digits.chars().all(|c| c.is_ascii_digit()) =>
        {
            format!("{code}-{digits:0>5}")
        }
        _ => typed.to_string(),
    }
}

impl Kiosk {
    /// The page of candidates the bar shows now, and whether more follow.
    fn candidate_page(&self, composer: &crate::input::pinyin::Composer) -> (Vec<String>, bool) {
        let Some(app) = self.app.upgrade() else { return (Vec::new(), false) };
        let theme = app.global::<Theme>();
        let (font, key) = (theme.get_font_title(), theme.get_key());
        let preedit = text_width(&composer.preedit, theme.get_font_body()).min(theme.get_font_body() * 5.0);
        let room = theme.get_window_width() - 2.0 * key - preedit - 2.0 * theme.get_gap();
        let all: Vec<String> = composer
            .candidates(composer.first + 60)
            .into_iter()
            .skip(composer.first)
            .map(|c| c.word)
            .collect();
        let shown = fitting(&all, room, font, 2.0 * theme.get_gap(), key).max(1).min(all.len());
        let more = all.len() > shown;
        (all.into_iter().take(shown).collect(), more)
    }

    /// The quick phrases that fit the bar in one row.
    fn fitting_phrases(&self, phrases: Vec<String>) -> Vec<String> {
        let Some(app) = self.app.upgrade() else { return phrases };
        let theme = app.global::<Theme>();
        let room = theme.get_window_width() - theme.get_gap();
        let n = fitting(&phrases, room, theme.get_font_body(), 2.5 * theme.get_gap() + 4.0, theme.get_key());
        phrases.into_iter().take(n).collect()
    }

    /// A category's name in `lang` (empty when none is chosen).
    fn category_name(&self, code: Option<&str>, lang: Lang) -> String {
        code.and_then(|code| self.config.catalogue.get(code))
            .map(|cat| cat.name(lang).to_string())
            .unwrap_or_default()
    }

    /// The emergency place list for the hazard chosen: (stored words, shown words).
    fn emergency_places(&self, lang: Lang) -> Vec<(String, String)> {
        let same = |n: &String| (n.clone(), n.clone());
        let mut places: Vec<(String, String)> = Vec::new();
        if self.flow.hazard.as_deref() == Some("elevator-trapped") {
            if self.config.lifts.is_empty() {
                places.extend(self.config.buildings.iter().map(same));
                places.push((words::A_LIFT.0.to_string(), words::A_LIFT.get(lang).to_string()));
            } else {
                places.extend(self.config.lifts.iter().map(same));
            }
        } else {
            places.extend(self.config.buildings.iter().map(same));
            places.extend(words::AREAS.iter().map(|m| (m.0.to_string(), m.get(lang).to_string())));
        }
        places.push((words::ELSEWHERE.0.to_string(), words::ELSEWHERE.get(lang).to_string()));
        places
    }

    fn pick_hazard(&mut self, code: &str) {
        if self.config.catalogue.get(code).is_some_and(|c| c.emergency) {
            self.flow.hazard = Some(code.to_string());
            self.flow.category = Some(code.to_string());
            self.flow.screen = Screen::EmergencyWhere;
        }
    }

    /// The one confirmation: files the emergency and raises the alert.
    fn confirm_emergency(&mut self) {
        if self.busy || self.ticket.filed.is_some() {
            return;
        }
        let Some(new) = self.flow.emergency_case() else { return };
        self.busy = true;
        self.flow.screen = Screen::Emergency;
        self.file(new);
    }

    /// Clears everything typed and returns home, back in the default language.
    pub fn reset(&mut self) {
        self.flow = Flow::new(self.config.default_lang);
        self.ticket = TicketView::default();
        self.lookup = LookupView::default();
        self.staff = StaffView::default();
        self.desk = desk::DeskView::default();
        self.busy = false;
        self.save_error = None;
        let _ = slint::select_bundled_translation(self.flow.lang.code());
    }

    fn open_staff(&mut self) {
        let lang = self.flow.lang;
        self.reset();
        self.set_lang(lang.code());
        self.flow.screen = Screen::StaffSignIn;
    }

    fn staff_sign_in(&mut self) {
        if self.staff.busy {
            return;
        }
        // The PIN leaves the screen's memory as soon as it is sent to be checked.
        let pin = std::mem::take(&mut self.staff.pin);
        self.staff.busy = true;
        let lang = self.flow.lang;
        self.backend.run(Box::new(move |svc| {
            let result = svc.staff_sign_in(&pin, Utc::now());
            let rows = svc.alert_rows(lang, Utc::now());
            on_ui_thread(move || system_event(|k| k.signed_in(result, rows)));
        }));
    }

    fn signed_in(&mut self, result: Result<StaffSession, SignInRefusal>, rows: Vec<AlertLine>) {
        self.staff.busy = false;
        if self.flow.screen != Screen::StaffSignIn {
            return;
        }
        let lang = self.flow.lang;
        match result {
            Ok(session) => {
                self.staff = StaffView { session: Some(session), alerts: rows, ..StaffView::default() };
                self.flow.screen = Screen::Staff;
                self.open_desk();
            }
            Err(refusal) => {
                self.staff.error = Some(match refusal {
                    SignInRefusal::NoAccounts => words::PIN_NO_ACCOUNTS.get(lang).to_string(),
                    SignInRefusal::Wrong { tries_left } => {
                        words::PIN_WRONG.get(lang).replace("{}", &tries_left.to_string())
                    }
                    SignInRefusal::Locked { seconds } => {
                        words::PIN_LOCKED.get(lang).replace("{}", &seconds.to_string())
                    }
                })
            }
        }
    }

    fn acknowledge(&mut self, ids: Vec<u64>) {
        self.staff_action(move |svc, session, now| svc.acknowledge(&ids, session, now));
    }

    fn on_site(&mut self, id: u64) {
        self.staff_action(move |svc, session, now| svc.on_site(id, session, now));
    }

    /// Something the signed-in staff member did to the alerts: done by the service as
    /// them, then the list shown again.
    fn staff_action(
        &mut self,
        act: impl FnOnce(&mut Service, &StaffSession, DateTime<Utc>) + Send + 'static,
    ) {
        let Some(session) = self.staff.session.clone() else { return };
        let lang = self.flow.lang;
        self.staff.busy = true;
        self.backend.run(Box::new(move |svc| {
            act(svc, &session, Utc::now());
            let rows = svc.alert_rows(lang, Utc::now());
            on_ui_thread(move || {
                system_event(|k| {
                    k.staff.busy = false;
                    k.show_alerts(rows);
                })
            });
        }));
    }

    /// The staff screen follows alerts raised while it is open.
    fn refresh_alerts(&mut self) {
        if self.staff.session.is_none() || self.staff.busy {
            return;
        }
        let lang = self.flow.lang;
        self.backend.run(Box::new(move |svc| {
            let rows = svc.alert_rows(lang, Utc::now());
            on_ui_thread(move || system_event(|k| k.show_alerts(rows)));
        }));
    }

    fn show_alerts(&mut self, rows: Vec<AlertLine>) {
        if self.staff.session.is_some() {
            self.staff.alerts = rows;
        }
    }

    fn back(&mut self) {
        if self.flow.staff_filing.is_some() && self.flow.screen == Screen::Category {
            self.back_to_desk();
            return;
        }
        if matches!(self.flow.screen, Screen::StaffCallback | Screen::StaffForm | Screen::StaffQuote) {
            // The header's Back is the form's Cancel: nothing is recorded. Words for the
            // callback record go back to it.
            let form = self.desk.case_form.as_ref().filter(|_| self.flow.screen == Screen::StaffForm);
            self.flow.screen = match form {
                Some(f) if f.for_search => Screen::Staff,
                Some(f) if f.for_callback.is_some() => Screen::StaffCallback,
                _ => Screen::StaffCase,
            };
            self.desk.case_form = None;
            self.desk.message = None;
        } else if self.flow.screen == Screen::StaffCase {
            self.flow.screen = Screen::Staff;
            self.desk.message = None;
            if self.desk.tab == 0 {
                self.pick_tab(0);
            }
        } else if matches!(
            self.flow.screen,
            Screen::Ticket | Screen::Emergency | Screen::Lookup | Screen::StaffSignIn | Screen::Staff
        ) {
            self.reset();
        } else {
            self.flow.back();
        }
    }

    fn set_lang(&mut self, code: &str) {
        if let Ok(lang) = code.parse::<Lang>() {
            self.flow.lang = lang;
            self.flow.set_script(lang);
            let _ = slint::select_bundled_translation(lang.code());
            if let Some(result) = &self.lookup.result {
                // Show the progress again in the new language.
                let (ticket, last4) = (result.ticket.clone(), self.lookup.last4.clone());
                self.fetch_progress(ticket, last4);
            }
            self.refresh_alerts();
        }
    }

    fn open_lookup(&mut self) {
        let (lang, large) = (self.flow.lang, self.flow.large_text);
        self.reset();
        self.set_lang(lang.code());
        self.flow.large_text = large;
        self.flow.screen = Screen::Lookup;
        self.lookup.keyboard = 2;
        self.lookup.ticket = self.own_prefix();
    }

    /// This kiosk's ticket prefix ("K01-"): a lookup starts with it typed.
    fn own_prefix(&self) -> String {
        format!("{}-", self.config.kiosk_code)
    }

    fn pick_category(&mut self, code: &str) {
        if self.flow.staff_filing.is_some() && self.config.catalogue.get(code).is_some() {
            self.flow.category = Some(code.to_string());
            self.flow.screen = Screen::Place;
            return;
        }
        if code == "emergency" {
            self.flow.start_emergency();
            return;
        }
        let Some(category) = self.config.catalogue.get(code).cloned() else {
            return;
        };
        if category.emergency {
            self.flow.start_emergency();
            self.pick_hazard(&category.code);
            return;
        }
        self.flow.category = Some(category.code.clone());
        self.flow.screen = Screen::Place;
    }

    fn submit(&mut self) {
        if self.busy {
            return;
        }
        let new = self.flow.new_case(&self.config.catalogue);
        self.busy = true;
        self.save_error = None;
        self.file(new);
    }

    fn file(&mut self, new: crate::domain::filing::NewCase) {
        let by_staff = new.staff.is_some();
        self.backend.run(Box::new(move |svc| {
            let now = Utc::now();
            let filed = svc.file(&new, now);
            // At the desk the clerk hands over whatever paper comes out (walk-ins get a
            // ticket, callers none); nothing is held back for a resident who left.
            let print = if by_staff {
                let _ = svc.desk.print_due(&mut svc.printer, now);
                None
            } else {
                filed.as_ref().ok().map(|f| svc.print_ticket(&f.ticket, now))
            };
            on_ui_thread(move || system_event(|k| k.filed(filed, print)));
        }));
    }

    fn filed(&mut self, filed: Result<Filed, String>, print: Option<PrintOutcome>) {
        self.busy = false;
        if self.flow.staff_filing.is_some() {
            if let Ok(filed) = &filed {
                // Filed at the desk: straight to the new case, to assign it and go on.
                self.back_to_desk();
                self.desk.message = Some(words::DESK_FILED.get(self.flow.lang).replace("{}", &filed.ticket));
                self.open_case(filed.ticket.clone());
                return;
            }
        }
        match filed {
            Ok(filed) => {
                if !filed.emergency {
                    self.flow.screen = Screen::Ticket;
                }
                self.ticket = TicketView { filed: Some(filed), print, reprinted: false };
            }
            Err(_) => self.save_error = Some(words::ERR_SAVE),
        }
    }

    fn reprint(&mut self) {
        let Some(ticket) = self.ticket.filed.as_ref().map(|f| f.ticket.clone()) else {
            return;
        };
        self.ticket.reprinted = true;
        self.ticket.print = None;
        self.backend.run(Box::new(move |svc| {
            let outcome = svc.reprint(&ticket, Utc::now()).ok();
            on_ui_thread(move || {
                event(|k| {
                    k.ticket.print = outcome
                        .or(Some(PrintOutcome::Problem(crate::printer::status::PrinterStatus::Unknown)))
                })
            });
        }));
    }

    fn lookup_key(&mut self, key: &str) {
        if self.lookup.field == 0 {
            // A letter typed onto this kiosk's own prefix starts another kiosk's number
            // (or a scanner typing a whole one).
            if key.chars().all(|c| c.is_ascii_alphabetic())
                && self.lookup.ticket == format!("{}-", self.config.kiosk_code)
            {
                self.lookup.ticket.clear();
            }
            if self.lookup.ticket.len() < 12 {
                self.lookup.ticket.push_str(&key.to_uppercase());
            }
        } else if key.chars().all(|c| c.is_ascii_digit()) && self.lookup.last4.len() < 4 {
            self.lookup.last4.push_str(key);
        }
    }

    /// The guard (wrong tries per ticket and overall) lives with the store in the
    /// service, so a restart does not lift it.
    fn lookup_submit(&mut self) {
        let ticket = padded_ticket(&self.lookup.ticket);
        let (last4, lang) = (self.lookup.last4.clone(), self.flow.lang);
        self.backend.run(Box::new(move |svc| {
            let result = svc.lookup_guarded(&ticket, &last4, lang, Utc::now());
            on_ui_thread(move || system_event(|k| k.looked_up(result)));
        }));
    }

    /// The same case again (the language changed): no new try, nothing counted.
    fn fetch_progress(&mut self, ticket: String, last4: String) {
        let lang = self.flow.lang;
        self.backend.run(Box::new(move |svc| {
            let result = svc.lookup(&ticket, &last4, lang).ok_or(LookupOutcome::Wrong);
            on_ui_thread(move || system_event(|k| k.looked_up(result)));
        }));
    }

    fn looked_up(&mut self, result: Result<Progress, LookupOutcome>) {
        let lang = self.flow.lang;
        match result {
            Ok(p) => {
                self.lookup.error = None;
                self.lookup.ticket = p.ticket.clone();
                self.lookup.result = Some(p);
            }
            Err(outcome) => {
                self.lookup.result = None;
                self.lookup.error = Some(match outcome {
                    LookupOutcome::Wrong => words::LOOKUP_WRONG.get(lang).to_string(),
                    LookupOutcome::Refused(LookupRefusal::TicketLocked(minutes)) => {
                        words::LOOKUP_LOCKED.get(lang).replace("{}", &minutes.to_string())
                    }
                    LookupOutcome::Refused(LookupRefusal::Pause(seconds)) => {
                        words::LOOKUP_PAUSE.get(lang).replace("{}", &seconds.to_string())
                    }
                });
            }
        }
    }

    fn rate(&mut self, satisfied: bool, reason: Option<String>) {
        let Some(result) = &self.lookup.result else {
            return;
        };
        let (ticket, last4, lang) = (result.ticket.clone(), self.lookup.last4.clone(), self.flow.lang);
        self.lookup.choosing_reason = false;
        self.backend.run(Box::new(move |svc| {
            let ok = svc.rate(&ticket, &last4, satisfied, reason, Utc::now()).is_ok();
            let progress = svc.lookup(&ticket, &last4, lang);
            on_ui_thread(move || {
                system_event(|k| {
                    if ok {
                        k.lookup.rated =
                            Some(if satisfied { words::RATED_THANKS } else { words::RATED_REOPENED });
                    }
                    k.lookup.result = progress;
                })
            });
        }));
    }

    /// The "call staff" button was pressed: the front desk is alerted (by the service)
    /// and the screen says so.
    pub fn staff_called(&mut self) {
        self.notice = Some((words::STAFF_CALLED, Instant::now()));
        self.backend.run(Box::new(|svc| svc.raise_alert("", None, Utc::now())));
    }

    /// Off a Pi, F2 presses the simulated call button (it bounces like the real one).
    pub fn set_simulated_button(&mut self, pins: crate::hw::sim::SimulatedPins, pin: crate::hw::Pin) {
        self.simulated_button = Some((pins, pin));
    }

    /// Keys from a physical keyboard or the USB barcode scanner (which types the QR code
    /// of a ticket followed by Enter).
    fn physical_key(&mut self, text: &str) -> bool {
        // Slint's text for F2.
        if text == "\u{F705}" {
            if let Some((pins, pin)) = self.simulated_button.clone() {
                pins.press(pin);
                return true;
            }
            return false;
        }
        if self.staff.session.is_some() && matches!(self.flow.screen, Screen::Staff | Screen::StaffCase) {
            return self.desk_key(text);
        }
        if self.staff.session.is_some() && self.flow.screen == Screen::StaffForm {
            return self.form_physical_key(text);
        }
        let printable = text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if self.flow.screen == Screen::Home && printable && !text.is_empty() {
            let scanned = std::mem::take(&mut self.lookup.scanned);
            self.open_lookup();
            self.lookup.scanned = scanned;
        }
        if matches!(self.flow.screen, Screen::Home | Screen::Lookup)
            && !text.is_empty()
            && text.chars().all(|c| c.is_ascii_graphic())
            && self.lookup.scanned.len() < 200
        {
            self.lookup.scanned.push_str(text);
        }
        if self.flow.screen != Screen::Lookup {
            return false;
        }
        match text {
            "\n" | "\r" if crate::domain::resident::ticket_in_link(&self.lookup.scanned).is_some() => {
                // A phone link scanned from a ticket: its number, then the phone digits.
                let scanned = std::mem::take(&mut self.lookup.scanned);
                self.lookup.ticket = crate::domain::resident::ticket_in_link(&scanned).unwrap_or("").into();
                self.lookup.field = 1;
                true
            }
            "\n" | "\r" => {
                self.lookup.scanned.clear();
                if self.lookup.field == 0 && crate::app::normalize_ticket(&self.lookup.ticket).is_ok() {
                    self.lookup.field = 1;
                } else {
                    self.lookup_submit();
                }
                true
            }
            "\u{8}" | "\u{7f}" => {
                if self.lookup.field == 0 {
                    self.lookup.ticket.pop();
                } else {
                    self.lookup.last4.pop();
                }
                true
            }
            t if printable && !t.is_empty() => {
                self.lookup_key(t);
                true
            }
            _ => false,
        }
    }

    /// "读给我听" on the ticket page: the number and the promise, in the resident's language.
    fn read_ticket_aloud(&mut self) {
        let Some(filed) = &self.ticket.filed else { return };
        let (ticket, promise, lang) = (filed.ticket.clone(), filed.promise.clone(), self.flow.lang);
        self.backend.run(Box::new(move |svc| svc.read_aloud(&ticket, &promise, None, lang)));
    }

    /// "读给我听" after a lookup: the number, the promise and how the case stands.
    fn read_progress_aloud(&mut self) {
        let Some(p) = &self.lookup.result else { return };
        let (ticket, promise, status, lang) =
            (p.ticket.clone(), p.promise.clone(), p.status.clone(), self.flow.lang);
        self.backend.run(Box::new(move |svc| svc.read_aloud(&ticket, &promise, Some(&status), lang)));
    }

    /// Called every second: shows the countdown, then clears the kiosk.
    pub fn tick(&mut self, now: Instant) {
        let pristine = self.flow.screen == Screen::Home
            && self.flow.lang == self.config.default_lang
            && !self.flow.large_text;
        match self.idle.check(now) {
            Idle::Expired if !pristine => self.reset(),
            _ => {}
        }
        if self.notice.is_some_and(|(_, since)| now.saturating_duration_since(since) > Duration::from_secs(8))
        {
            self.notice = None;
        }
        if let Some(dim_after) = self.config.dim_after
            && now.saturating_duration_since(self.idle.last()) >= dim_after
        {
            self.backlight.set_dimmed(true);
        }
        if self.flow.screen == Screen::Staff {
            self.refresh_alerts();
        }
        self.render_at(now);
    }

    pub fn last_activity_for_tests(&self) -> Instant {
        self.idle.last()
    }

    pub fn screen_dimmed(&self) -> bool {
        self.backlight.dimmed()
    }

    /// Tests and machines without a sysfs backlight use another one.
    pub fn set_backlight(&mut self, backlight: Box<dyn crate::hw::backlight::Backlight>) {
        self.backlight = backlight;
    }

    fn title(&self) -> Msg {
        match self.flow.screen {
            Screen::Home => Msg("", "", ""),
            Screen::Category if self.flow.staff_filing.is_some() => match self.flow.kind {
                Some(Kind::Inquiry) => words::TITLE_INQUIRY,
                Some(Kind::Praise) => words::TITLE_PRAISE,
                Some(Kind::Complaint) => words::TITLE_COMPLAINT,
                Some(Kind::Suggestion) => words::TITLE_SUGGESTION,
                _ => words::TITLE_REPAIR,
            },
            Screen::Category => match self.flow.kind {
                Some(Kind::Complaint) => words::TITLE_COMPLAINT,
                Some(Kind::Suggestion) => words::TITLE_SUGGESTION,
                _ => words::TITLE_REPAIR,
            },
            Screen::Hazard | Screen::EmergencyWhere | Screen::Emergency => words::TITLE_EMERGENCY,
            Screen::EmergencyConfirm => words::TITLE_EMERGENCY_CONFIRM,
            Screen::Place => words::TITLE_PLACE,
            Screen::Details if self.flow.kind == Some(Kind::Suggestion) => words::TITLE_DETAILS_SUGGESTION,
            Screen::Details => words::TITLE_DETAILS,
            Screen::Contact => words::TITLE_CONTACT,
            Screen::Visit => words::TITLE_VISIT,
            Screen::Review => words::TITLE_REVIEW,
            Screen::Ticket => words::TITLE_TICKET,
            Screen::Lookup => words::TITLE_LOOKUP,
            Screen::StaffSignIn => words::TITLE_STAFF_SIGN_IN,
            Screen::Staff => words::TITLE_STAFF,
            Screen::StaffCase => words::TITLE_STAFF_CASE,
            Screen::StaffCallback => words::TITLE_STAFF_CALLBACK,
            Screen::StaffForm => self.desk.form_title(),
            Screen::StaffQuote => crate::kiosk::desk::DeskAction::Quote.msg(),
        }
    }

    pub fn render(&self) {
        self.render_at(Instant::now());
    }

    fn render_at(&self, now: Instant) {
        let Some(app) = self.app.upgrade() else {
            return;
        };
        let lang = self.flow.lang;
        let f = &self.flow;
        app.global::<Theme>().set_large_text(f.large_text);
        let k = app.global::<KioskAdapter>();
        k.set_page(match f.screen {
            Screen::Home => Page::Home,
            Screen::Category => Page::Category,
            Screen::Hazard => Page::Hazard,
            Screen::EmergencyWhere => Page::EmergencyWhere,
            Screen::EmergencyConfirm => Page::EmergencyConfirm,
            Screen::Emergency => Page::Emergency,
            Screen::Place => Page::Place,
            Screen::Details => Page::Details,
            Screen::Contact => Page::Contact,
            Screen::Visit => Page::Visit,
            Screen::Review => Page::Review,
            Screen::Ticket => Page::Ticket,
            Screen::Lookup => Page::Lookup,
            Screen::StaffSignIn => Page::StaffSignIn,
            Screen::Staff => Page::Staff,
            Screen::StaffCase => Page::StaffCase,
            Screen::StaffCallback => Page::StaffCallback,
            Screen::StaffForm => Page::StaffForm,
            Screen::StaffQuote => Page::StaffQuote,
        });
        k.set_lang(lang.code().into());
        // Home carries the estate's name; every other screen says what it is for.
        let title =
            if f.screen == Screen::Home { self.config.estate.as_str() } else { self.title().get(lang) };
        k.set_title(title.into());
        // Staff see a call in their alert list; a banner would only cover their buttons.
        let staff_screen = matches!(
            f.screen,
            Screen::StaffSignIn
                | Screen::Staff
                | Screen::StaffCase
                | Screen::StaffCallback
                | Screen::StaffForm
        );
        let notice = self.notice.filter(|_| !staff_screen).map(|(m, _)| m.get(lang));
        k.set_notice(notice.unwrap_or("").into());
        let pristine = f.screen == Screen::Home && lang == self.config.default_lang && !f.large_text;
        k.set_idle_countdown(match self.idle.check(now) {
            Idle::Warning(s) if !pristine => s as i32,
            _ => 0,
        });

        let h = app.global::<HomeAdapter>();
        h.set_estate(self.config.estate.clone().into());
        h.set_front_desk_phone(self.config.front_desk_phone.clone().into());
        h.set_emergency_phone(self.config.emergency_phone.clone().into());

        let kind = f.kind.unwrap_or(Kind::Repair);
        let c = app.global::<CategoryAdapter>();
        c.set_kind(kind.code().into());
        let item = |code: &str, name: &str, emergency: bool| CategoryItem {
            code: code.into(),
            name: name.into(),
            badge: words::badge(code, lang).into(),
            emergency,
            // Chinese names never break mid-word; English ones wrap between words.
            one_line: lang != Lang::En,
        };
        let mut items: Vec<CategoryItem> = Vec::new();
        let staff_filing = f.staff_filing.is_some();
        let hazards: Vec<CategoryItem> = self
            .config
            .catalogue
            .of_kind(Kind::Repair)
            .filter(|cat| cat.emergency && !cat.staff_only)
            .map(|cat| item(&cat.code, cat.name(lang), true))
            .collect();
        if staff_filing {
            // At the desk: every category of the kind, the staff-only ones (works,
            // hand-over defects, inquiries, praise) and the emergencies as plain tiles.
            items.extend(
                self.config.catalogue.of_kind(kind).map(|cat| item(&cat.code, cat.name(lang), cat.emergency)),
            );
        } else {
            // Emergencies have one tile of their own, first: found at a glance.
            if kind == Kind::Repair && !hazards.is_empty() {
                items.push(item("emergency", words::EMERGENCY_TILE.get(lang), true));
            }
            items.extend(
                self.config
                    .catalogue
                    .of_kind(kind)
                    .filter(|cat| !cat.staff_only && !cat.emergency)
                    .map(|cat| item(&cat.code, cat.name(lang), false)),
            );
        }
        c.set_items(ModelRc::new(VecModel::from(items)));

        let category_name = self.category_name(f.category.as_deref(), lang);

        let e = app.global::<EmergencyAdapter>();
        e.set_hazards(ModelRc::new(VecModel::from(hazards)));
        e.set_category(self.category_name(f.hazard.as_deref(), lang).into());
        let places = self.emergency_places(lang);
        let place_shown = f
            .emergency_place
            .as_ref()
            .and_then(|stored| places.iter().find(|(s, _)| s == stored))
            .map(|(_, shown)| shown.clone())
            .unwrap_or_default();
        e.set_places(strings(places.into_iter().map(|(_, shown)| shown)));
        e.set_place(place_shown.into());
        e.set_phone(f.emergency_phone.clone().into());
        e.set_emergency_phone(self.config.emergency_phone.clone().into());
        e.set_front_desk_phone(
            if self.config.front_desk_phone.is_empty() {
                &self.config.emergency_phone
            } else {
                &self.config.front_desk_phone
            }
            .clone()
            .into(),
        );
        let filed = self.ticket.filed.as_ref().filter(|t| t.emergency);
        e.set_filed(filed.is_some());
        e.set_alerted(filed.is_some_and(|t| t.alerted));
        e.set_ticket(filed.map(|t| t.ticket.clone()).unwrap_or_default().into());
        let error = f.error.map(|m| m.get(lang)).unwrap_or("");
        e.set_error(if f.screen == Screen::EmergencyConfirm { error } else { "" }.into());
        e.set_steps(strings(
            words::emergency_steps(f.hazard.as_deref().unwrap_or("")).iter().map(|m| m.get(lang).to_string()),
        ));

        let p = app.global::<PlaceAdapter>();
        p.set_mode(if f.public_area { 1 } else { 0 });
        p.set_building(f.building.clone().into());
        p.set_unit(f.unit.clone().into());
        p.set_room(f.room.clone().into());
        p.set_active(f.place_field);
        p.set_areas(strings(words::AREAS.iter().map(|m| m.get(lang).to_string())));
        p.set_area(f.area.and_then(|i| words::AREAS.get(i)).map(|m| m.get(lang)).unwrap_or("").into());
        p.set_error(if f.screen == Screen::Place { error } else { "" }.into());

        let d = app.global::<DetailsAdapter>();
        d.set_text(f.text.clone().into());
        let phrases =
            words::phrases(f.category.as_deref().unwrap_or("")).iter().map(|m| m.get(lang).to_string());
        d.set_phrases(strings(self.fitting_phrases(phrases.collect())));
        d.set_preedit(f.composer.preedit.clone().into());
        let (candidates, more) = self.candidate_page(&f.composer);
        d.set_candidates(strings(candidates));
        d.set_has_next(more);
        d.set_has_previous(f.composer.has_previous_page());
        d.set_keyboard_mode(f.keyboard);
        d.set_error(if f.screen == Screen::Details { error } else { "" }.into());

        let ct = app.global::<ContactAdapter>();
        ct.set_phone(f.phone.clone().into());
        ct.set_name(f.name.clone().into());
        ct.set_anonymous(f.anonymous);
        ct.set_windows(strings(words::VISIT_WINDOWS.iter().map(|m| m.get(lang).to_string())));
        ct.set_window_index(f.visit as i32);
        ct.set_active(f.contact_field);
        ct.set_preedit(f.name_composer.preedit.clone().into());
        let (candidates, more) = self.candidate_page(&f.name_composer);
        ct.set_candidates(strings(candidates));
        ct.set_has_next(more);
        ct.set_has_previous(f.name_composer.has_previous_page());
        ct.set_keyboard_mode(f.name_keyboard);
        ct.set_error(if f.screen == Screen::Contact { error } else { "" }.into());

        let r = app.global::<ReviewAdapter>();
        let new = f.new_case(&self.config.catalogue);
        let mut rows = vec![
            (words::LABEL_KIND.get(lang), format!("{} · {}", kind.name(lang), category_name)),
            (words::LABEL_PLACE.get(lang), f.place().map(|p| p.label(lang)).unwrap_or_default()),
            (words::LABEL_TEXT.get(lang), f.text.clone()),
        ];
        match (&new.phone, f.anonymous) {
            (_, true) => rows.push((words::LABEL_PHONE.get(lang), words::ANONYMOUS.get(lang).to_string())),
            (Some(phone), false) => {
                let shown = crate::domain::validate::Phone::parse(phone)
                    .map(|p| p.masked())
                    .unwrap_or_else(|_| phone.clone());
                rows.push((words::LABEL_PHONE.get(lang), shown));
                if !f.name.is_empty() {
                    rows.push((words::LABEL_NAME.get(lang), f.name.clone()));
                }
            }
            _ => {}
        }
        if kind == Kind::Repair && !f.anonymous {
            rows.push((
                words::LABEL_VISIT.get(lang),
                words::VISIT_WINDOWS[f.visit.min(4)].get(lang).to_string(),
            ));
        }
        r.set_rows(ModelRc::new(VecModel::from(
            rows.into_iter().map(|(l, v)| ReviewRow { label: l.into(), value: v.into() }).collect::<Vec<_>>(),
        )));
        r.set_busy(self.busy);
        r.set_can_message(self.config.sends_messages && !f.anonymous);
        r.set_messages(!f.no_messages);
        r.set_error(self.save_error.map(|m| m.get(lang)).unwrap_or("").into());

        let t = app.global::<TicketAdapter>();
        if let Some(filed) = &self.ticket.filed {
            if t.get_ticket() != filed.ticket.as_str() {
                t.set_qr(qr_image(&filed.qr));
            }
            t.set_ticket(filed.ticket.clone().into());
            t.set_promise(filed.promise.clone().into());
        }
        let (state, message) = match self.ticket.print {
            None => (0, words::PRINTING.get(lang).to_string()),
            Some(PrintOutcome::Printed) => (1, words::PRINTED.get(lang).to_string()),
            Some(PrintOutcome::Sent) => (1, words::PRINT_SENT.get(lang).to_string()),
            Some(PrintOutcome::Problem(status)) => {
                let name = match lang {
                    Lang::En => status.code().replace('-', " "),
                    _ => status.zh().to_string(),
                };
                (2, words::PRINT_PROBLEM.get(lang).replace("{}", &name))
            }
        };
        t.set_print_state(state);
        t.set_print_message(
            if self.ticket.reprinted && state == 2 {
                format!("{message} {}", words::REPRINT_LATE.get(lang))
            } else {
                message
            }
            .into(),
        );
        // Only while the printer is working: a reprint into an empty printer would come
        // out later, for whoever stands there then.
        t.set_can_reprint(
            !self.ticket.reprinted
                && matches!(self.ticket.print, Some(PrintOutcome::Printed | PrintOutcome::Sent)),
        );

        t.set_can_read_aloud(self.config.read_aloud);

        let l = app.global::<LookupAdapter>();
        l.set_can_read_aloud(self.config.read_aloud);
        l.set_ticket(self.lookup.ticket.clone().into());
        l.set_last4(self.lookup.last4.clone().into());
        l.set_active(self.lookup.field);
        l.set_keyboard_mode(if self.lookup.keyboard == 0 { 2 } else { self.lookup.keyboard });
        l.set_error(self.lookup.error.clone().unwrap_or_default().into());
        l.set_found(self.lookup.result.is_some());
        l.set_choosing_reason(self.lookup.choosing_reason);
        l.set_rated(self.lookup.rated.map(|m| m.get(lang)).unwrap_or("").into());
        if let Some(result) = &self.lookup.result {
            l.set_status(result.status.clone().into());
            l.set_summary(result.summary.clone().into());
            l.set_can_rate(result.can_rate && self.lookup.rated.is_none());
            l.set_timeline(ModelRc::new(VecModel::from(
                result
                    .steps
                    .iter()
                    .map(|s| TimelineRow { when: s.when.clone().into(), what: s.what.clone().into() })
                    .collect::<Vec<_>>(),
            )));
        } else {
            l.set_timeline(ModelRc::new(VecModel::<TimelineRow>::default()));
            l.set_can_rate(false);
        }
        self.render_staff(&app);
        self.render_desk(&app);
    }

    fn render_staff(&self, app: &AppWindow) {
        let st = app.global::<StaffAdapter>();
        st.set_pin_length(self.staff.pin.len() as i32);
        st.set_error(self.staff.error.clone().unwrap_or_default().into());
        st.set_busy(self.staff.busy);
        st.set_staff_name(self.staff.session.as_ref().map(|s| s.name.clone()).unwrap_or_default().into());
        st.set_unanswered(self.staff.alerts.iter().filter(|a| a.on_site_clock.is_none()).count() as i32);
        st.set_alerts(ModelRc::new(VecModel::from(
            self.staff
                .alerts
                .iter()
                .map(|a| AlertRow {
                    id: a.id as i32,
                    when: a.when.clone().into(),
                    what: a.what.clone().into(),
                    ticket: a.ticket.clone().into(),
                    emergency: a.emergency,
                    on_site_clock: a.on_site_clock.clone().unwrap_or_default().into(),
                })
                .collect::<Vec<_>>(),
        )));
    }
}

/// Texts of the category tiles on screen (for tests and screenshots).
pub fn category_names(app: &AppWindow) -> Vec<String> {
    let items = app.global::<CategoryAdapter>().get_items();
    (0..items.row_count()).filter_map(|i| items.row_data(i)).map(|c| c.name.to_string()).collect()
}

/// The kiosk's clock, every second: countdowns, dimming, the staff screen's alert list
/// (answers the service gives at once are shown before this returns).
pub fn tick(now: Instant) {
    system_event(|k| k.tick(now));
}

/// Called from the GPIO interrupt thread when the call button is pressed.
pub fn staff_called_from_any_thread() {
    on_ui_thread_event(|k| k.staff_called());
}

fn on_ui_thread_event(f: impl FnOnce(&mut Kiosk) + Send + 'static) {
    on_ui_thread(move || system_event(f));
}

/// Runs the kiosk in a window until it is closed.
pub fn run(
    backend: Rc<dyn Backend>,
    config: KioskConfig,
    simulated_button: Option<(crate::hw::sim::SimulatedPins, crate::hw::Pin)>,
) -> Result<(), slint::PlatformError> {
    let app = AppWindow::new()?;
    attach(&app, backend, config);
    if let Some((pins, pin)) = simulated_button {
        with_kiosk(|k| k.set_simulated_button(pins, pin));
    }
    let timer = slint::Timer::default();
    timer.start(slint::TimerMode::Repeated, Duration::from_secs(1), || tick(Instant::now()));
    // The watchdog is fed from the UI event loop itself: if the UI hangs, the pings
    // stop and systemd restarts the kiosk.
    let watchdog = slint::Timer::default();
    if let Some(every) = crate::app::systemd::watchdog_interval() {
        watchdog.start(slint::TimerMode::Repeated, every, || {
            crate::app::systemd::notify("WATCHDOG=1");
        });
    }
    let ready = slint::Timer::default();
    ready.start(slint::TimerMode::SingleShot, Duration::from_millis(100), || {
        crate::app::systemd::notify("READY=1");
    });
    // For the start-up benchmark (benches/kiosk_costs.rs): leave once the first frame of
    // the home screen is drawn, through the event loop's own end so the kiosk shuts down
    // as when its window is closed. Slint's software renderer has no rendering notifier;
    // winit's redraw event is where it draws, and what is queued now runs after it.
    if std::env::var_os("LOBBYDESK_EXIT_AFTER_PAINT").is_some() {
        use slint::winit_030::{EventResult, WinitWindowAccessor, winit::event::WindowEvent};
        app.window().on_winit_window_event(|_, event| {
            if matches!(event, WindowEvent::RedrawRequested) {
                let _ = slint::invoke_from_event_loop(|| {
                    let _ = slint::quit_event_loop();
                });
            }
            EventResult::Propagate
        });
    }
    app.run()
}
