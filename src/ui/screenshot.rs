//! `lobbydesk screenshot`: any screen, in any language, at any size, rendered by the
//! software renderer with no display, filled with realistic sample data.

use chrono::Utc;
use slint::ComponentHandle;
use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, WindowAdapter};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::{AppWindow, KioskConfig, attach, with_kiosk};
use crate::app::Desk;
use crate::app::printing::Printer;
use crate::config::Settings;
use crate::domain::filing::NewCase;
use crate::domain::intake::{Kind, Lang};
use crate::kiosk::flow::Screen;
use crate::kiosk::service::{Inline, PrintOutcome, Service};
use crate::printer::status::PrinterStatus;

pub const SCREENS: [&str; 39] = [
    "home",
    "category",
    "category-complaint",
    "category-suggestion",
    "hazard",
    "emergency-where",
    "emergency-where-lift",
    "emergency-confirm",
    "emergency-confirm-error",
    "emergency",
    "place",
    "place-error",
    "place-public",
    "details",
    "details-long",
    "details-phrases",
    "contact",
    "contact-name",
    "contact-anonymous",
    "visit",
    "review",
    "review-error",
    "ticket",
    "ticket-printer-problem",
    "lookup",
    "lookup-letters",
    "lookup-result",
    "idle",
    "staff-sign-in",
    "staff",
    "staff-desk",
    "staff-find",
    "staff-case",
    "staff-callback",
    "staff-form",
    "staff-filters",
    "staff-paper",
    "staff-quote",
    "staff-file",
];

pub const SIZES: [(u32, u32); 8] =
    [(800, 480), (1024, 600), (1280, 800), (1920, 1080), (480, 800), (600, 1024), (800, 1280), (1080, 1920)];

struct Headless {
    window: Rc<MinimalSoftwareWindow>,
}

impl Platform for Headless {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, slint::PlatformError> {
        Ok(self.window.clone())
    }
    fn duration_since_start(&self) -> Duration {
        static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        START.get_or_init(Instant::now).elapsed()
    }
}

/// Renders screens to PNG files; holds the one headless window of this process.
pub struct Renderer {
    /// Render with the large-text switch on.
    pub large_text: bool,
    window: Rc<MinimalSoftwareWindow>,
    app: AppWindow,
    data_dir: PathBuf,
    sample_ticket: String,
    service: Rc<Inline>,
}

impl Renderer {
    pub fn new() -> anyhow::Result<Renderer> {
        let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
        slint::platform::set_platform(Box::new(Headless { window: window.clone() }))
            .map_err(|e| anyhow::anyhow!("cannot set up headless rendering: {e:?}"))?;
        let app = AppWindow::new()?;
        let data_dir = std::env::temp_dir().join(format!("lobbydesk-screens-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data_dir);
        let settings = Settings::from_toml(
            "[kiosk]\nestate = \"翠湖花园\"\nfront_desk_phone = \"0755-12345678\"\nemergency_phone = \"0755-87654321\"\nbuildings = [\"1栋\", \"2栋\", \"3栋\", \"5栋\", \"6栋\", \"7栋\", \"8栋\", \"9栋\"]\nlifts = [\"1栋1号梯\", \"1栋2号梯\", \"2栋1号梯\", \"2栋2号梯\", \"3栋1号梯\", \"3栋2号梯\"]\n",
            "sample",
        )?;
        let mut desk = Desk::open(settings.clone(), &data_dir)?;
        crate::config::add_sample_staff(&mut desk.settings.staff);
        let filed_at = Utc::now() - chrono::Duration::hours(30);
        let sample = desk.file(
            &NewCase {
                category: "water".into(),
                place: "3-2-1201".into(),
                phone: Some("13800138000".into()),
                text: "厨房水管漏水".into(),
                ..NewCase::default()
            },
            filed_at,
        )?;
        let ticket = sample.ticket().to_string();
        use crate::app::Action;
        use crate::domain::intake::Department;
        desk.act(
            &ticket,
            Action::Assign { department: Department::Engineering, assignee: Some("李师傅".into()) },
            "wang",
            filed_at + chrono::Duration::minutes(20),
        )?;
        desk.act(&ticket, Action::OnSite { note: None }, "li", filed_at + chrono::Duration::hours(2))?;
        desk.act(
            &ticket,
            Action::Resolve { note: "更换角阀".into() },
            "li",
            filed_at + chrono::Duration::hours(3),
        )?;
        // For the desk: a complaint nobody has answered for three days (overdue), and the
        // same resident's second one.
        for (hours, text) in [(72, "楼上每晚十一点后装修噪音，已经持续一周"), (2, "又是装修噪音")]
        {
            desk.file(
                &NewCase {
                    category: "noise".into(),
                    place: "5-1-302".into(),
                    phone: Some("13900139000".into()),
                    name: Some("王先生".into()),
                    text: text.into(),
                    ..NewCase::default()
                },
                Utc::now() - chrono::Duration::hours(hours),
            )?;
        }
        let printer = Printer::open(&settings.printer, &data_dir).map_err(anyhow::Error::msg)?;
        let backend = Rc::new(Inline(std::cell::RefCell::new(Service::new(desk, printer))));
        // Every control a kiosk may show: the messages choice (with HQ) and read-aloud.
        let config =
            KioskConfig { sends_messages: true, read_aloud: true, ..KioskConfig::from_settings(&settings) };
        attach(&app, backend.clone(), config);
        app.show()?;
        Ok(Renderer { large_text: false, window, app, data_dir, sample_ticket: ticket, service: backend })
    }

    /// Puts the kiosk on `screen` with sample data, in `lang`.
    fn stage(&self, screen: &str, lang: Lang) -> anyhow::Result<()> {
        let ticket = self.sample_ticket.clone();
        let large = self.large_text;
        with_kiosk(|k| {
            k.reset();
            k.idle.touch(Instant::now());
            k.set_lang(lang.code());
            k.flow.large_text = large;
            let f = &mut k.flow;
            let fill = |f: &mut crate::kiosk::flow::Flow| {
                f.kind = Some(Kind::Repair);
                f.category = Some("water".into());
                f.building = "3".into();
                f.unit = "2".into();
                f.room = "1201".into();
                f.place_field = 2;
                f.text = match lang {
                    Lang::En => "Kitchen pipe leaking, water on the floor".into(),
                    _ => "厨房水管漏水，地面有积水".into(),
                };
                f.phone = "13800138000".into();
                f.name = if lang == Lang::En { "Zhang".into() } else { "张".into() };
            };
            match screen {
                "home" => {}
                "category" => f.start(Kind::Repair),
                "category-complaint" => f.start(Kind::Complaint),
                "category-suggestion" => f.start(Kind::Suggestion),
                "hazard" => f.start_emergency(),
                "emergency-where"
                | "emergency-where-lift"
                | "emergency-confirm"
                | "emergency-confirm-error" => {
                    f.start_emergency();
                    f.hazard = Some(
                        if screen == "emergency-where-lift" { "elevator-trapped" } else { "gas" }.into(),
                    );
                    f.screen = Screen::EmergencyWhere;
                    if screen.starts_with("emergency-confirm") {
                        f.emergency_place = Some("3栋".into());
                        f.emergency_phone = "1380013800".into();
                        f.screen = Screen::EmergencyConfirm;
                    }
                }
                "place" | "place-error" => {
                    fill(f);
                    f.screen = Screen::Place;
                    if screen == "place-error" {
                        f.room.clear();
                        f.place_next();
                    }
                }
                "place-public" => {
                    fill(f);
                    f.public_area = true;
                    f.area = Some(3);
                    f.screen = Screen::Place;
                }
                "details" => {
                    fill(f);
                    f.text = "厨房水管".into();
                    for c in "loushui".chars() {
                        f.composer.push(c);
                    }
                    f.screen = Screen::Details;
                }
                "details-long" => {
                    fill(f);
                    f.text = f.text.repeat(12);
                    f.screen = Screen::Details;
                }
                "details-phrases" => {
                    fill(f);
                    f.kind = Some(Kind::Suggestion);
                    f.category = Some("suggestion".into());
                    f.text.clear();
                    f.screen = Screen::Details;
                    f.details_next();
                }
                "contact" | "contact-name" => {
                    fill(f);
                    f.phone = "1380013".into();
                    f.screen = Screen::Contact;
                    if screen == "contact-name" {
                        f.contact_field = 1;
                        for c in "zhang".chars() {
                            f.name_composer.push(c);
                        }
                    } else {
                        f.contact_next();
                    }
                }
                "visit" => {
                    fill(f);
                    f.screen = Screen::Visit;
                }
                "contact-anonymous" => {
                    fill(f);
                    f.anonymous = true;
                    f.screen = Screen::Contact;
                }
                "review" | "review-error" | "idle" => {
                    fill(f);
                    f.screen = Screen::Review;
                    if screen == "review-error" {
                        f.text = f.text.repeat(6);
                        f.name = if lang == Lang::En { "Zhang Wei-Ming".into() } else { "张伟明".into() };
                    }
                }
                _ => {}
            }
            Ok::<(), anyhow::Error>(())
        })
        .unwrap_or(Ok(()))?;
        match screen {
            "emergency" => with_kiosk(|k| {
                k.flow.start_emergency();
                k.pick_hazard("gas");
                k.flow.emergency_place = Some("3栋".into());
                k.flow.screen = Screen::EmergencyConfirm;
                k.confirm_emergency();
            }),
            "emergency-confirm-error" => with_kiosk(|k| k.confirm_emergency()),
            "review-error" => with_kiosk(|k| k.save_error = Some(crate::kiosk::words::ERR_SAVE)),
            "ticket" | "ticket-printer-problem" => with_kiosk(|k| {
                k.flow.start(Kind::Repair);
                k.flow.category = Some("water".into());
                k.flow.building = "3".into();
                k.flow.room = "1201".into();
                k.flow.text = "厨房水管漏水".into();
                k.flow.phone = "13800138000".into();
                k.flow.screen = Screen::Review;
                k.submit();
            }),
            "lookup" => with_kiosk(|k| {
                k.open_lookup();
                k.flow.large_text = large;
                k.lookup.ticket = ticket.clone();
                k.lookup.last4 = "80".into();
                k.lookup.field = 1;
                k.lookup.error = Some(crate::kiosk::words::LOOKUP_WRONG.get(lang).to_string());
            }),
            "lookup-letters" => with_kiosk(|k| {
                k.open_lookup();
                k.flow.large_text = large;
                k.lookup.ticket = "A".into();
                k.lookup.keyboard = 1;
            }),
            "lookup-result" => with_kiosk(|k| {
                k.open_lookup();
                k.flow.large_text = large;
                k.lookup.ticket = ticket.clone();
                k.lookup.last4 = "8000".into();
                k.lookup_submit();
            }),
            "staff-sign-in" => with_kiosk(|k| {
                k.open_staff();
                k.flow.large_text = large;
                k.staff.pin = "1357".into();
                k.staff.error = Some(crate::kiosk::words::PIN_WRONG.get(lang).replace("{}", "4"));
            }),
            "staff" => {
                {
                    let mut service = self.service.0.borrow_mut();
                    service.alerts.clear();
                    let now = Utc::now();
                    let place = service.desk.show(&ticket).ok().map(|r| r.case.intake.place);
                    service.raise(&ticket, Some("flood"), place, now - chrono::Duration::minutes(4));
                    service.raise_alert("", None, now - chrono::Duration::minutes(1));
                    // The emergency acknowledged: it waits for someone on site.
                    service.alerts[0].acknowledged_at = Some(now - chrono::Duration::minutes(3));
                }
                with_kiosk(|k| {
                    k.open_staff();
                    k.flow.large_text = large;
                    k.staff.session = Some(crate::kiosk::staff::StaffSession {
                        id: "wangfang".into(),
                        name: if lang == Lang::En { "Wang Fang".into() } else { "王芳".into() },
                        role: crate::domain::roles::Role::FrontDesk,
                    });
                    k.flow.screen = Screen::Staff;
                    k.refresh_alerts();
                })
            }
            "staff-desk" | "staff-find" | "staff-case" | "staff-callback" | "staff-file" | "staff-form"
            | "staff-filters" | "staff-paper" | "staff-quote" => with_kiosk(|k| {
                k.open_staff();
                k.flow.large_text = large;
                k.staff.session = Some(crate::kiosk::staff::StaffSession {
                    id: "wang".into(),
                    name: if lang == Lang::En { "Wang Fang".into() } else { "王芳".into() },
                    role: crate::domain::roles::Role::FrontDesk,
                });
                k.flow.screen = Screen::Staff;
                k.open_desk();
                match screen {
                    "staff-find" => {
                        k.pick_tab(1);
                        k.desk_key("K01");
                    }
                    // The same resident's second complaint: the 重大 proposal shows.
                    "staff-case" => k.open_case("K01-00003".into()),
                    "staff-callback" => {
                        k.open_case("K01-00002".into());
                        k.desk_stage_callback();
                    }
                    "staff-file" => k.pick_tab(3),
                    "staff-paper" => k.pick_tab(4),
                    "staff-quote" => {
                        k.open_case("K01-00001".into());
                        k.desk_stage_quote();
                    }
                    "staff-filters" => {
                        k.pick_tab(1);
                        k.desk_stage_filters();
                    }
                    // Escalating: the longest list of answers, and words typed.
                    "staff-form" => {
                        k.open_case("K01-00002".into());
                        k.desk_stage_form("K01-00002");
                    }
                    _ => {}
                }
            }),
            _ => Some(()),
        };
        super::drain_pending();
        if screen == "staff-form" {
            with_kiosk(|k| k.desk_fill_form());
        }
        if screen == "idle" {
            // 53 s without a touch: the countdown shows 7 seconds left.
            with_kiosk(|k| {
                let quiet = k.idle.last() + Duration::from_secs(53);
                k.render_at(quiet);
            });
            return Ok(());
        }
        if screen == "ticket-printer-problem" {
            with_kiosk(|k| k.ticket.print = Some(PrintOutcome::Problem(PrinterStatus::PaperOut)));
        }
        with_kiosk(|k| k.render());
        Ok(())
    }

    /// The window the screens are staged in (tests measure its elements).
    pub fn app(&self) -> &AppWindow {
        &self.app
    }

    /// Puts the kiosk on `screen` in a window of `w`×`h`, laid out but not drawn.
    pub fn stage_at(&self, screen: &str, lang: Lang, (w, h): (u32, u32)) -> anyhow::Result<()> {
        if !SCREENS.contains(&screen) {
            anyhow::bail!("unknown screen {screen:?}; screens: {}", SCREENS.join(", "));
        }
        self.window.set_size(slint::PhysicalSize::new(w, h));
        // The window's new size reaches the theme (a change handler) before staging.
        slint::platform::update_timers_and_animations();
        self.stage(screen, lang)?;
        slint::platform::update_timers_and_animations();
        Ok(())
    }

    /// One screen as PNG bytes.
    pub fn render(&self, screen: &str, lang: Lang, size: (u32, u32)) -> anyhow::Result<Vec<u8>> {
        self.stage_at(screen, lang, size)?;
        let shot = self.app.window().take_snapshot()?;
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, shot.width(), shot.height());
            encoder.set_color(png::ColorType::Rgba);
            encoder.set_depth(png::BitDepth::Eight);
            let mut writer = encoder.write_header()?;
            writer.write_image_data(shot.as_bytes())?;
        }
        Ok(out)
    }

    /// Every screen × language × size into `dir`; returns the files written.
    pub fn render_all(&self, dir: &Path, sizes: &[(u32, u32)]) -> anyhow::Result<Vec<PathBuf>> {
        std::fs::create_dir_all(dir)?;
        let mut written = Vec::new();
        for screen in SCREENS {
            for lang in Lang::ALL {
                for &(w, h) in sizes {
                    let path = dir.join(format!("{screen}-{}-{w}x{h}.png", lang.code()));
                    std::fs::write(&path, self.render(screen, lang, (w, h))?)?;
                    written.push(path);
                }
            }
        }
        Ok(written)
    }
}

impl Drop for Renderer {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}
