//! The resident screens driven headlessly through Slint's testing backend: every control
//! is found by its accessible label and pressed as a resident would.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use chrono::Utc;
use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use slint::{ComponentHandle, Model};
use tempfile::TempDir;

use lobbydesk::app::Desk;
use lobbydesk::app::printing::Printer;
use lobbydesk::config::Settings;
use lobbydesk::domain::case::Status;
use lobbydesk::domain::filing::NewCase;
use lobbydesk::domain::intake::Lang;
use lobbydesk::kiosk::service::{Inline, LookupOutcome, Service};
use lobbydesk::store::JobState;
use lobbydesk::ui::{
    self, AppWindow, ContactAdapter, DetailsAdapter, KioskAdapter, LookupAdapter, Page, StaffAdapter,
    TicketAdapter,
};

struct Kiosk {
    _data: TempDir,
    app: AppWindow,
    service: Rc<Inline>,
    size: (f32, f32),
}

/// The staff account every test kiosk has: 王芳, PIN 246810.
const STAFF_PIN: &str = "246810";
/// 刘主管, the service-centre supervisor, who reviews callbacks and closes cases.
const SUPERVISOR_PIN: &str = "135790";

fn settings() -> Settings {
    static STAFF: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let staff = STAFF.get_or_init(|| {
        let hash = lobbydesk::kiosk::staff::PinHash::new(STAFF_PIN).unwrap();
        let supervisor = lobbydesk::kiosk::staff::PinHash::new(SUPERVISOR_PIN).unwrap();
        // wangfang signs in on the screen; li (no PIN) is the technician who fixes things.
        format!(
            "[[staff]]\nid = \"wangfang\"\nname = \"王芳\"\npin = \"{hash}\"\n[[staff]]\nid = \"li\"\nname = \"李师傅\"\nrole = \"technician\"\n\
             [[staff]]\nid = \"liu\"\nname = \"刘主管\"\nrole = \"service-supervisor\"\npin = \"{supervisor}\"\n"
        )
    });
    Settings::from_toml(
        &format!("[kiosk]\nestate = \"翠湖花园\"\nfront_desk_phone = \"0755-12345678\"\nemergency_phone = \"0755-87654321\"\nbuildings = [\"1栋\", \"2栋\", \"3栋\"]\nlifts = [\"3栋1号梯\", \"3栋2号梯\"]\n{staff}"),
        "test",
    )
    .unwrap()
}

impl Kiosk {
    fn new() -> Kiosk {
        Kiosk::sized(800, 480)
    }

    /// A kiosk whose window is `w`×`h`: every tap below must land inside it.
    fn sized(w: u32, h: u32) -> Kiosk {
        Kiosk::built(w, h, false)
    }

    /// With everything a kiosk may have besides: HQ configured (the ticket's QR holds the
    /// phone link, residents may decline messages) and read-aloud, into WAV files in
    /// DATA/speech.
    fn full(w: u32, h: u32) -> Kiosk {
        Kiosk::built(w, h, true)
    }

    fn built(w: u32, h: u32, full: bool) -> Kiosk {
        thread_local!(static READY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });
        if !READY.with(|r| r.replace(true)) {
            i_slint_backend_testing::init_no_event_loop();
        }
        let data = TempDir::new().unwrap();
        let mut settings = settings();
        if full {
            settings.hq = Some(lobbydesk::config::HqSettings {
                url: "https://hq.example.com".into(),
                token: "0".repeat(64),
                resident_url: "https://hq.example.com".into(),
                interval: Duration::from_secs(30),
            });
        }
        let desk = Desk::open(settings.clone(), data.path()).unwrap();
        let printer = Printer::open(&settings.printer, data.path()).unwrap();
        let mut service = Service::new(desk, printer);
        if full {
            service.speaker = Some(lobbydesk::hw::speech::Speaker::to_files(data.path().join("speech")));
        }
        let service = Rc::new(Inline(RefCell::new(service)));
        let app = AppWindow::new().unwrap();
        ui::attach(
            &app,
            service.clone(),
            ui::KioskConfig {
                idle_timeout: Duration::from_secs(60),
                dim_after: Some(Duration::from_secs(300)),
                read_aloud: full,
                ..ui::KioskConfig::from_settings(&settings)
            },
        );
        // The 7" panel by default: every tap lands where a finger would, inside the window.
        app.window().set_size(slint::PhysicalSize::new(w, h));
        // The new size reaches the theme through a change handler, as the event loop
        // would run it.
        slint::platform::update_timers_and_animations();
        Kiosk { _data: data, app, service, size: (w as f32, h as f32) }
    }

    /// Controls a resident can press with this label (text on screen also carries its
    /// words as a label; only buttons and input fields count).
    fn controls(&self, label: &str) -> Vec<ElementHandle> {
        ElementHandle::find_by_accessible_label(&self.app, label)
            .filter(|e| {
                matches!(e.accessible_role(), Some(AccessibleRole::Button | AccessibleRole::TextInput))
            })
            .collect()
    }

    /// Presses the control as a finger would: a pointer press and release at its centre,
    /// which must lie in the 800×480 window (whatever lies on top there gets the press).
    fn tap(&self, label: &str) {
        let found = self.controls(label);
        let element =
            found.first().unwrap_or_else(|| panic!("no control labelled {label:?} on {:?}", self.page()));
        press(element, self.size);
    }

    /// A water repair for 3-101, up to the details page.
    fn to_details(&self) {
        self.tap("报修");
        self.tap("给排水");
        self.tap("楼栋");
        self.taps("3");
        self.tap("房号");
        self.taps("101");
        self.tap("下一步");
        assert_eq!(self.page(), Page::Details);
    }

    /// Presses and holds the control for a second (the emergency confirmation).
    fn hold(&self, label: &str) {
        let found = self.controls(label);
        let element = found.first().unwrap_or_else(|| panic!("no control labelled {label:?}"));
        let (p, size) = (element.absolute_position(), element.size());
        assert!(p.y + size.height <= self.size.1 + 0.5, "{label:?} is not wholly inside the window");
        let position = slint::LogicalPosition::new(p.x + size.width / 2.0, p.y + size.height / 2.0);
        let button = slint::platform::PointerEventButton::Left;
        let w = self.app.window();
        w.dispatch_event(slint::platform::WindowEvent::PointerPressed { position, button });
        i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(1000));
        w.dispatch_event(slint::platform::WindowEvent::PointerReleased { position, button });
    }

    /// A word in the pinyin candidate bar (a quick phrase may carry the same word).
    fn tap_candidate(&self, word: &str) {
        let candidate = self
            .controls(word)
            .into_iter()
            .find(|e| {
                matches!(e.accessible_description().as_deref(), Some("候选词" | "候選詞" | "candidate"))
            })
            .unwrap_or_else(|| panic!("no candidate {word:?}"));
        press(&candidate, self.size);
    }

    /// Presses the first control whose label starts with `prefix` (a case row: ticket, then
    /// its title).
    fn tap_starting(&self, prefix: &str) {
        use i_slint_backend_testing::ElementRoot;
        let found = self
            .app
            .root_element()
            .query_descendants()
            .find_all()
            .into_iter()
            .filter(|e| e.accessible_role() == Some(AccessibleRole::Button))
            .find(|e| e.accessible_label().is_some_and(|l| l.starts_with(prefix)))
            .unwrap_or_else(|| panic!("no control starting {prefix:?} on {:?}", self.page()));
        press(&found, self.size);
    }

    /// Like `tap`, for a control in a scroll area: flicks the area under `at` (fractions of
    /// the window) down, then up, until the control shows, as a finger would.
    fn tap_scrolling(&self, label: &str, at: (f32, f32)) {
        let position = slint::LogicalPosition::new(self.size.0 * at.0, self.size.1 * at.1);
        let flick = |delta_y: f32| {
            self.app.window().dispatch_event(slint::platform::WindowEvent::PointerScrolled {
                position,
                delta_x: 0.0,
                delta_y,
            })
        };
        for step in 0..40 {
            if let Some(e) = self.controls(label).first() {
                // Then on until it is wholly in view, not cut by the area's edge.
                for _ in 0..10 {
                    let (p, size) = (e.absolute_position(), e.size());
                    if p.y + size.height > self.size.1 - 1.0 {
                        flick(-30.0);
                    } else if p.y < 0.0 {
                        flick(30.0);
                    } else {
                        break;
                    }
                }
                break;
            }
            flick(if step < 20 { -60.0 } else { 60.0 });
        }
        self.tap(label);
    }

    /// One of the case page's actions, in its column at the right.
    fn act(&self, label: &str) {
        self.tap_scrolling(label, (0.9, 0.6));
    }

    fn has(&self, label: &str) -> bool {
        !self.controls(label).is_empty()
    }

    fn taps(&self, labels: &str) {
        for c in labels.chars() {
            self.tap(&c.to_string());
        }
    }

    fn page(&self) -> Page {
        self.app.global::<KioskAdapter>().get_page()
    }

    fn with_service<R>(&self, f: impl FnOnce(&mut Service) -> R) -> R {
        f(&mut self.service.0.borrow_mut())
    }

    /// A resolved repair with phone 13800138000, filed through the store.
    fn resolved_case(&self) -> String {
        self.with_service(|s| {
            let case = s
                .desk
                .file(
                    &NewCase {
                        category: "water".into(),
                        place: "3-2-1201".into(),
                        phone: Some("13800138000".into()),
                        name: Some("张三".into()),
                        text: "厨房水管漏水".into(),
                        ..NewCase::default()
                    },
                    Utc::now() - chrono::Duration::hours(5),
                )
                .unwrap();
            s.desk
                .act(
                    case.ticket(),
                    lobbydesk::app::Action::Resolve { note: "换阀门".into() },
                    "li",
                    Utc::now() - chrono::Duration::hours(1),
                )
                .unwrap();
            case.ticket().to_string()
        })
    }

    /// An open water repair with a phone, filed through the store.
    fn open_repair(&self) -> String {
        self.with_service(|s| {
            let new = NewCase {
                category: "water".into(),
                place: "3-2-1201".into(),
                phone: Some("13800138000".into()),
                text: "水龙头坏了，需要更换".into(),
                ..NewCase::default()
            };
            s.desk.file(&new, Utc::now() - chrono::Duration::hours(1)).unwrap().ticket().to_string()
        })
    }
}

fn press(element: &ElementHandle, (w, h): (f32, f32)) {
    let (p, s) = (element.absolute_position(), element.size());
    assert!(
        p.x >= 0.0 && p.y >= 0.0 && p.x + s.width <= w + 0.5 && p.y + s.height <= h + 0.5,
        "{:?} at ({}, {}) {}×{} is not wholly inside the {w}×{h} window",
        element.accessible_label(),
        p.x,
        p.y,
        s.width,
        s.height
    );
    element.mock_single_click(slint::platform::PointerEventButton::Left);
}

#[test]
fn a_repair_is_filed_end_to_end_by_taps_and_its_ticket_printed() {
    let k = Kiosk::new();
    k.tap("报修");
    assert_eq!(k.page(), Page::Category);
    k.tap("给排水");
    assert_eq!(k.page(), Page::Place);
    k.tap("楼栋");
    k.taps("3");
    k.tap("单元");
    k.taps("2");
    k.tap("房号");
    k.taps("1201");
    k.tap("下一步");
    assert_eq!(k.page(), Page::Details);
    assert_eq!(texts(&k, "什么问题？"), 1, "the header says what this page is for");
    k.taps("loushui");
    k.tap_candidate("漏水");
    k.tap("下一步");
    assert_eq!(k.page(), Page::Contact);
    assert_eq!(texts(&k, "怎么联系您？"), 1, "not the last page's title");
    assert_eq!(texts(&k, "什么问题？"), 0);
    k.taps("13800138000");
    k.tap("下一步");
    assert_eq!(k.page(), Page::Visit, "a repair asks when a visit suits");
    k.tap("明天上午");
    assert_eq!(k.page(), Page::Review);
    assert_eq!(texts(&k, "确认提交"), 1);
    k.tap("提交");
    assert_eq!(k.page(), Page::Ticket);
    assert_eq!(texts(&k, "受理单"), 1);
    let ticket = k.app.global::<TicketAdapter>().get_ticket().to_string();
    assert_eq!(ticket, "K01-00001");
    assert_eq!(k.app.global::<TicketAdapter>().get_print_state(), 1, "printed");
    k.with_service(|s| {
        let record = s.desk.show(&ticket).unwrap();
        let case = &record.case;
        assert_eq!(case.intake.category, "water");
        assert_eq!(case.intake.place.to_string(), "3-2-1201");
        assert_eq!(case.intake.text, "漏水");
        assert_eq!(case.intake.contact.as_ref().unwrap().phone.as_str(), "13800138000");
        assert_eq!(case.intake.visit_window.as_deref(), Some("明天上午"));
        let jobs = s.desk.store().print_jobs_of(case.id).unwrap();
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].state, JobState::Printed);
        assert_eq!(s.printer.virtual_printer.as_ref().unwrap().printed(), 1);
    });
    k.tap("完成");
    assert_eq!(k.page(), Page::Home);
}

/// What the pilot needs, by touch, on the 7" panel, a 1024×600 one and a portrait one,
/// in Chinese and English, with large text off and on: a repair with a phone number,
/// an emergency with a place, and a lookup of the repair.
#[test]
fn repair_emergency_and_lookup_by_touch_at_every_pilot_size_language_and_text_size() {
    for (w, h) in [(800, 480), (1024, 600), (480, 800)] {
        for en in [false, true] {
            for large in [false, true] {
                let k = Kiosk::full(w, h);
                let tr = |zh: &'static str, english: &'static str| if en { english } else { zh };
                // Each resident starts from home in the kiosk's language: choose again.
                let choose = || {
                    if en {
                        // A narrow panel has one language button going round the three.
                        if w < 600 {
                            k.tap("切换语言");
                            k.tap("切換語言");
                        } else {
                            k.tap("EN");
                        }
                        assert_eq!(k.app.global::<KioskAdapter>().get_lang(), "en");
                    }
                    if large {
                        k.tap(tr("大字", "A+"));
                        assert!(k.app.global::<lobbydesk::ui::Theme>().get_large_text());
                    }
                };
                choose();
                let at = format!("{w}x{h} en={en} large={large}");
                k.tap(tr("报修", "Repair"));
                k.tap(tr("给排水", "Water & plumbing"));
                k.tap(tr("楼栋", "Building"));
                k.taps("3");
                k.tap(tr("房号", "Room"));
                k.taps("1201");
                k.tap(tr("下一步", "Next"));
                k.tap(tr("漏水", "leaking"));
                k.tap(tr("下一步", "Next"));
                assert_eq!(k.page(), Page::Contact, "{at}");
                k.taps("13800138000");
                k.tap(tr("下一步", "Next"));
                k.tap(tr("尽快", "As soon as possible"));
                // Messages about the case: on unless the resident says no, here and back.
                k.tap(tr("✓ 有进展时短信告诉我", "✓ Text me when there is news"));
                k.tap(tr("不发短信（点此开启）", "No text messages (tap to turn on)"));
                assert!(k.has(tr("✓ 有进展时短信告诉我", "✓ Text me when there is news")), "{at}");
                k.tap(tr("提交", "Submit"));
                assert_eq!(k.page(), Page::Ticket, "{at}");
                let ticket = k.app.global::<TicketAdapter>().get_ticket().to_string();
                k.tap(tr("读给我听", "Read aloud"));
                k.tap(tr("完成", "Done"));

                choose();
                k.tap(tr("紧急情况", "Emergency"));
                k.tap(tr("燃气异味", "Gas smell"));
                k.tap("2栋");
                k.hold(tr("确认，通知前台", "Confirm: alert the front desk"));
                assert_eq!(k.page(), Page::Emergency, "{at}");
                k.tap(tr("我知道了", "OK"));

                choose();
                k.tap(tr("查询进度", "Check progress"));
                k.tap("1");
                k.tap(tr("手机后4位", "Last 4 digits"));
                k.taps("8000");
                k.tap(tr("查询", "Look up"));
                let l = k.app.global::<LookupAdapter>();
                assert!(l.get_found(), "{at}: {}", l.get_error());
                assert_eq!(l.get_ticket(), ticket.as_str(), "{at}");
                k.tap(tr("读给我听", "Read aloud"));
                k.with_service(|s| {
                    let case = s.desk.show(&ticket).unwrap().case;
                    assert!(!case.intake.contact.as_ref().unwrap().no_messages, "{at}: turned back on");
                    assert_eq!(case.intake.contact.as_ref().unwrap().phone.as_str(), "13800138000", "{at}");
                    assert_eq!(s.alerts.len(), 1, "{at}: the emergency");
                });
            }
        }
    }
}

#[test]
fn a_printer_out_of_paper_is_said_plainly_and_the_case_is_saved() {
    let k = Kiosk::new();
    k.with_service(|s| {
        s.printer
            .virtual_printer
            .as_ref()
            .unwrap()
            .set_paper(lobbydesk::printer::virtual_printer::PaperLevel::Out)
    });
    k.tap("建议");
    k.tap("意见建议");
    k.tap("公共区域");
    k.tap("中心花园");
    k.tap("下一步");
    assert_eq!(texts(&k, "您的建议"), 1, "a suggestion is not asked 什么问题？");
    k.tap("增加快递柜");
    k.tap("下一步");
    k.tap("匿名提交（不留电话，无法回访）");
    k.tap("下一步");
    k.tap("提交");
    let t = k.app.global::<TicketAdapter>();
    assert_eq!(t.get_print_state(), 2);
    let message = t.get_print_message().to_string();
    assert!(message.contains("打印机缺纸") && message.contains("已登记"), "{message}");
    assert!(!t.get_can_reprint(), "no reprint into an empty printer");
    let ticket = t.get_ticket().to_string();
    // The resident leaves; paper goes in; the kiosk keeps printing what is queued. Their
    // ticket must not come out for whoever stands here next: the front desk has it.
    k.with_service(|s| {
        let vp = s.printer.virtual_printer.clone().unwrap();
        vp.set_paper(lobbydesk::printer::virtual_printer::PaperLevel::Plenty);
        s.desk.print_due(&mut s.printer, Utc::now() + chrono::Duration::minutes(5)).unwrap();
        assert_eq!(vp.printed(), 0, "nothing printed by itself");
        let case = s.desk.show(&ticket).unwrap().case;
        let jobs = s.desk.store().print_jobs_of(case.id).unwrap();
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].state, JobState::Held);
    });
}

#[test]
fn an_emergency_asks_where_confirms_once_files_the_case_and_alerts_the_front_desk() {
    let k = Kiosk::new();
    let (_pins, panel) = panel(&k);
    let taps = std::cell::Cell::new(0);
    let tap = |label: &str| {
        taps.set(taps.get() + 1);
        k.tap(label);
    };
    tap("紧急情况");
    assert_eq!(k.page(), Page::Hazard);
    tap("电梯困人");
    assert_eq!(k.page(), Page::EmergencyWhere);
    assert!(k.has("3栋2号梯"), "the estate's lifts are the choices");
    tap("3栋2号梯");
    assert_eq!(k.page(), Page::EmergencyConfirm);
    k.with_service(|s| assert!(s.alerts.is_empty(), "nothing is filed before the confirmation"));
    k.tap("确认，通知前台");
    assert_eq!(k.page(), Page::EmergencyConfirm, "a quick touch is not a confirmation");
    k.with_service(|s| assert!(s.alerts.is_empty()));
    taps.set(taps.get() + 1);
    k.hold("确认，通知前台");
    assert_eq!(taps.get(), 4, "four touches from home, the last held for a second");
    assert_eq!(k.page(), Page::Emergency);
    let e = k.app.global::<lobbydesk::ui::EmergencyAdapter>();
    assert_eq!(e.get_emergency_phone(), "0755-87654321");
    assert!(e.get_alerted(), "a buzzer is wired: the front desk is told");
    let steps: Vec<String> = e.get_steps().iter().map(|s| s.to_string()).collect();
    assert!(steps.iter().any(|s| s.contains("警铃")), "lift advice: press the alarm: {steps:?}");
    let ticket = e.get_ticket().to_string();
    k.with_service(|s| {
        let case = s.desk.show(&ticket).unwrap().case;
        assert!(case.intake.emergency);
        assert_eq!(case.intake.category, "elevator-trapped");
        assert_eq!(case.intake.place.to_string(), "公共区域:3栋2号梯", "staff know which lift");
        assert!(case.intake.contact.is_none(), "no phone left: anonymous");
        assert_eq!(s.alerts.len(), 1);
        assert_eq!(s.alerts[0].ticket, ticket);
    });
    assert_eq!(panel.alerts_pending(), 1);
    k.tap("我知道了");
    assert_eq!(k.page(), Page::Home);
}

#[test]
fn an_emergency_can_leave_a_phone_and_a_wrong_one_is_explained_not_filed() {
    let k = Kiosk::new();
    k.tap("报修");
    k.tap("紧急情况");
    k.tap("燃气异味");
    k.tap("2栋");
    k.taps("1380013");
    k.hold("确认，通知前台");
    assert_eq!(k.page(), Page::EmergencyConfirm);
    assert!(k.app.global::<lobbydesk::ui::EmergencyAdapter>().get_error().contains("手机号不正确"));
    k.with_service(|s| assert!(s.alerts.is_empty()));
    k.taps("8000");
    k.hold("确认，通知前台");
    let e = k.app.global::<lobbydesk::ui::EmergencyAdapter>();
    let ticket = e.get_ticket().to_string();
    k.with_service(|s| {
        let case = s.desk.show(&ticket).unwrap().case;
        assert_eq!(case.intake.contact.as_ref().unwrap().phone.as_str(), "13800138000");
        assert_eq!(case.intake.place.to_string(), "公共区域:2栋");
    });
    let steps: Vec<String> = e.get_steps().iter().map(|s| s.to_string()).collect();
    assert!(steps.iter().any(|s| s.contains("不要开关")), "gas advice: switch nothing: {steps:?}");
}

#[test]
fn without_a_buzzer_or_staff_the_emergency_screen_says_to_call_the_front_desk() {
    let k = Kiosk::new();
    k.with_service(|s| s.desk.settings.staff.clear());
    k.tap("紧急情况");
    k.tap("火警/烟雾");
    k.tap("大堂");
    k.hold("确认，通知前台");
    let e = k.app.global::<lobbydesk::ui::EmergencyAdapter>();
    assert!(e.get_filed());
    assert!(!e.get_alerted(), "nobody would hear or see the alert");
    assert_eq!(texts(&k, "请拨打前台电话 0755-12345678 告知工作人员。"), 1);
    assert_eq!(texts(&k, "已通知前台，工作人员将尽快到场。"), 0);
    let steps: Vec<String> = e.get_steps().iter().map(|s| s.to_string()).collect();
    assert!(steps.iter().any(|s| s.contains("119")), "fire advice: call 119: {steps:?}");
}

/// Random taps anywhere on the screen, as a child or a leaning bag would: they never
/// file an emergency (before, two taps did, and a run like this filed two).
#[test]
fn random_taps_never_file_an_emergency() {
    let k = Kiosk::new();
    // xorshift: the same run every time.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut pages = std::collections::BTreeSet::new();
    for _ in 0..3000 {
        let (x, y) = ((next() % 800) as f32, (next() % 480) as f32);
        let position = slint::LogicalPosition::new(x, y);
        let w = k.app.window();
        w.dispatch_event(slint::platform::WindowEvent::PointerPressed {
            position,
            button: slint::platform::PointerEventButton::Left,
        });
        w.dispatch_event(slint::platform::WindowEvent::PointerReleased {
            position,
            button: slint::platform::PointerEventButton::Left,
        });
        pages.insert(format!("{:?}", k.page()));
    }
    assert!(
        pages.contains("Hazard") && pages.contains("EmergencyWhere"),
        "the run went the emergency way: {pages:?}"
    );
    k.with_service(|s| {
        let emergencies = s.alerts.iter().filter(|a| a.category.is_some()).count();
        assert_eq!(emergencies, 0, "random taps filed {emergencies} emergencies");
    });
}

#[test]
fn walking_away_clears_everything_after_a_countdown() {
    let k = Kiosk::new();
    k.tap("EN");
    k.tap("Repair");
    k.tap("Water & plumbing");
    k.tap("Building");
    k.taps("3");
    k.tap("Room");
    k.taps("1201");
    k.tap("Next");
    k.taps("leak");
    let last = ui::with_kiosk(|kiosk| kiosk.last_activity_for_tests()).unwrap();
    ui::with_kiosk(|kiosk| kiosk.tick(last + Duration::from_secs(52)));
    assert_eq!(k.app.global::<KioskAdapter>().get_idle_countdown(), 8);
    assert_eq!(k.page(), Page::Details, "still there during the countdown");
    ui::with_kiosk(|kiosk| kiosk.tick(last + Duration::from_secs(61)));
    assert_eq!(k.page(), Page::Home);
    assert_eq!(k.app.global::<KioskAdapter>().get_idle_countdown(), 0);
    assert_eq!(k.app.global::<KioskAdapter>().get_lang(), "zh-CN", "back to the default language");
    assert_eq!(k.app.global::<DetailsAdapter>().get_text(), "");
    assert_eq!(k.app.global::<ContactAdapter>().get_phone(), "");
    assert!(k.has("报修"));
}

#[test]
fn still_there_keeps_the_form() {
    let k = Kiosk::new();
    k.tap("投诉");
    k.tap("噪音扰民");
    let last = ui::with_kiosk(|kiosk| kiosk.last_activity_for_tests()).unwrap();
    ui::with_kiosk(|kiosk| kiosk.tick(last + Duration::from_secs(55)));
    k.tap("我还在，继续");
    assert_eq!(k.app.global::<KioskAdapter>().get_idle_countdown(), 0);
    assert_eq!(k.page(), Page::Place);
}

#[test]
fn status_lookup_refuses_a_wrong_secret_and_shows_progress_for_the_right_one() {
    let k = Kiosk::new();
    let ticket = k.resolved_case();
    k.tap("查询进度");
    assert_eq!(k.page(), Page::Lookup);
    // This kiosk's code is there already: the number's digits, then the phone's last four.
    assert_eq!(k.app.global::<LookupAdapter>().get_ticket(), "K01-");
    let (_, number) = ticket.split_once('-').unwrap();
    k.taps(number);
    assert_eq!(k.app.global::<LookupAdapter>().get_ticket(), ticket.as_str());
    assert_eq!(k.app.global::<LookupAdapter>().get_active(), 1, "five digits: on to the phone");
    k.taps("1234");
    k.tap("查询");
    let l = k.app.global::<LookupAdapter>();
    assert!(!l.get_found());
    assert!(l.get_error().contains("不正确"), "{}", l.get_error());
    for _ in 0..4 {
        k.tap("删除");
    }
    k.taps("8000");
    k.tap("查询");
    assert!(l.get_found(), "{}", l.get_error());
    assert_eq!(l.get_status(), "已处理完毕");
    let shown: String = (0..slint::Model::row_count(&l.get_timeline()))
        .filter_map(|i| slint::Model::row_data(&l.get_timeline(), i))
        .map(|r| r.what.to_string())
        .collect::<Vec<_>>()
        .join("|");
    assert!(shown.contains("已受理") && shown.contains("已处理完毕"), "{shown}");
    let everything = format!("{shown} {} {}", l.get_summary(), l.get_status());
    assert!(!everything.contains("张三") && !everything.contains("138"), "no personal data: {everything}");
    assert!(
        !everything.contains("1201") && !everything.contains('栋'),
        "not even where they live: {everything}"
    );
}

#[test]
fn a_ticket_of_this_kiosk_is_found_in_six_taps() {
    let k = Kiosk::new();
    let ticket = k.resolved_case();
    assert_eq!(ticket, "K01-00001");
    k.tap("查询进度");
    // The number in one tap (this kiosk's code is there, "1" is 00001), then the
    // phone's last four and 查询: seven taps from the lookup screen to the progress.
    for t in ["1", "手机后4位", "8", "0", "0", "0", "查询"] {
        k.tap(t);
    }
    let l = k.app.global::<LookupAdapter>();
    assert!(l.get_found(), "{}", l.get_error());
    assert_eq!(l.get_ticket(), "K01-00001", "the number is padded: 1 is 00001");
}

#[test]
fn another_kiosks_code_can_be_typed_with_letters() {
    let k = Kiosk::new();
    k.tap("查询进度");
    k.tap("字母");
    k.taps("k");
    k.tap("切换输入法");
    k.taps("02");
    k.tap("短横线");
    k.taps("00007");
    assert_eq!(k.app.global::<LookupAdapter>().get_ticket(), "K02-00007");
    k.tap("数字");
    assert_eq!(k.app.global::<LookupAdapter>().get_keyboard_mode(), 2);
}

#[test]
fn repeated_wrong_secrets_lock_the_lookup() {
    let k = Kiosk::new();
    let ticket = k.resolved_case();
    k.tap("查询进度");
    for c in ticket.chars() {
        k.app.global::<KioskAdapter>().invoke_physical_key(c.to_string().into());
    }
    k.app.global::<KioskAdapter>().invoke_physical_key("\n".into());
    k.taps("0000");
    for _ in 0..5 {
        k.tap("查询");
    }
    let l = k.app.global::<LookupAdapter>();
    assert!(l.get_error().contains("尝试次数过多"), "{}", l.get_error());
    for _ in 0..4 {
        k.tap("删除");
    }
    k.taps("8000");
    k.tap("查询");
    assert!(!l.get_found(), "locked even with the right secret");
    // Another resident looking up their own case neither waits long nor unlocks this one.
    let own = k.resolved_case();
    let refused = |r: Result<_, LookupOutcome>| matches!(r, Err(LookupOutcome::Refused(_)));
    assert!(k.with_service(|s| s.lookup_guarded(&own, "8000", Lang::ZhCn, Utc::now())).is_ok());
    assert!(refused(k.with_service(|s| s.lookup_guarded(&ticket, "8000", Lang::ZhCn, Utc::now()))));
    // Pulling the plug does not lift it: a new service on the same data.
    let settings = settings();
    let desk = Desk::open(settings.clone(), k._data.path()).unwrap();
    let printer = Printer::open(&settings.printer, k._data.path()).unwrap();
    let mut restarted = Service::new(desk, printer);
    assert!(refused(restarted.lookup_guarded(&ticket, "8000", Lang::ZhCn, Utc::now())));
    let later = Utc::now() + chrono::Duration::minutes(5);
    assert!(restarted.lookup_guarded(&ticket, "8000", Lang::ZhCn, later).is_ok());
}

#[test]
fn a_scanned_ticket_qr_opens_the_lookup_from_the_home_screen() {
    let k = Kiosk::new();
    let ticket = k.resolved_case();
    for c in format!("{ticket}\n").chars() {
        assert!(k.app.global::<KioskAdapter>().invoke_physical_key(c.to_string().into()));
    }
    assert_eq!(k.page(), Page::Lookup);
    let l = k.app.global::<LookupAdapter>();
    assert_eq!(l.get_ticket(), ticket.as_str());
    assert_eq!(l.get_active(), 1, "on to the last four digits");
}

/// With HQ configured the ticket's QR holds the phone link; the scanner types all of it and
/// the kiosk still opens the lookup with the ticket's number.
#[test]
fn a_scanned_phone_link_opens_the_lookup_with_its_ticket() {
    let k = Kiosk::new();
    let ticket = k.resolved_case();
    let link = format!("https://hq.example.com/r/{ticket}/0123456789abcdef0123456789abcdef\n");
    for c in link.chars() {
        k.app.global::<KioskAdapter>().invoke_physical_key(c.to_string().into());
    }
    assert_eq!(k.page(), Page::Lookup);
    let l = k.app.global::<LookupAdapter>();
    assert_eq!(l.get_ticket(), ticket.as_str());
    assert_eq!(l.get_active(), 1, "on to the last four digits");
    for c in "8000\n".chars() {
        k.app.global::<KioskAdapter>().invoke_physical_key(c.to_string().into());
    }
    assert!(l.get_found(), "{}", l.get_error());
}

#[test]
fn not_satisfied_at_the_kiosk_reopens_the_case() {
    let k = Kiosk::new();
    let ticket = k.resolved_case();
    k.tap("查询进度");
    for c in format!("{ticket}\n8000\n").chars() {
        k.app.global::<KioskAdapter>().invoke_physical_key(c.to_string().into());
    }
    let l = k.app.global::<LookupAdapter>();
    assert!(l.get_found(), "{}", l.get_error());
    assert!(l.get_can_rate());
    k.tap("不满意");
    k.tap("问题没有解决");
    k.with_service(|s| {
        let case = s.desk.show(&ticket).unwrap().case;
        assert_eq!(case.status, Status::Reopened);
        let callback = case.callbacks.last().unwrap();
        assert_eq!(callback.value.method, lobbydesk::domain::event::ContactMethod::Kiosk);
        assert!(!callback.value.satisfied);
        assert_eq!(callback.value.shortcomings.as_deref(), Some("问题没有解决"));
    });
    assert_eq!(l.get_status(), "重新处理中");
    assert!(!l.get_can_rate());
}

#[test]
fn the_language_switch_changes_every_screen() {
    let k = Kiosk::new();
    assert!(k.has("报修"));
    k.tap("EN");
    assert!(k.has("Repair") && k.has("Check progress"));
    assert!(!k.has("报修"));
    k.tap("繁體");
    assert!(k.has("報修") && k.has("查詢進度"));
    k.tap("報修");
    assert!(k.has("給排水"), "category names follow the language");
    assert_eq!(k.app.global::<KioskAdapter>().get_title(), "報修");
    k.tap("简体");
    assert!(k.has("给排水"));
}

#[test]
fn the_pinyin_keyboard_turns_loushui_into_a_water_leak() {
    let k = Kiosk::new();
    k.to_details();
    k.taps("loushui");
    let d = k.app.global::<DetailsAdapter>();
    assert_eq!(d.get_preedit(), "loushui");
    assert_eq!(slint::Model::row_data(&d.get_candidates(), 0).unwrap(), "漏水");
    k.tap_candidate("漏水");
    assert_eq!(d.get_text(), "漏水");
    assert_eq!(d.get_preedit(), "");
    // Space commits the best candidate; the letters key switches to Latin.
    k.taps("le");
    k.tap("空格");
    assert_eq!(d.get_text(), "漏水了");
}

#[test]
fn candidates_come_a_page_at_a_time_and_in_traditional_characters_on_traditional_screens() {
    let k = Kiosk::new();
    k.to_details();
    k.taps("shi");
    let d = k.app.global::<DetailsAdapter>();
    let page = |d: &lobbydesk::ui::DetailsAdapter| {
        d.get_candidates().iter().map(|c| c.to_string()).collect::<Vec<_>>()
    };
    let first = page(&d);
    assert!(first.len() >= 3 && d.get_has_next() && !d.get_has_previous(), "{first:?}");
    k.tap("下一页候选词");
    let second = page(&d);
    assert!(!second.is_empty() && second.iter().all(|w| !first.contains(w)), "{first:?} then {second:?}");
    assert!(d.get_has_previous());
    // A word from the second page goes in whole.
    k.tap_candidate(&second[0]);
    assert_eq!(d.get_text(), second[0].as_str());
    k.tap("清空");
    k.taps("shi");
    assert_eq!(page(&d), first, "new letters start at the first page");

    k.tap("繁體");
    k.tap("清空");
    k.taps("dianti");
    assert_eq!(
        page(&d).first().map(String::as_str),
        Some("電梯"),
        "繁體 screens offer traditional characters"
    );
    k.tap_candidate("電梯");
    assert_eq!(d.get_text(), "電梯");
}

#[test]
fn a_bad_phone_number_is_explained_and_anonymous_needs_none() {
    let k = Kiosk::new();
    k.tap("投诉");
    k.tap("噪音扰民");
    k.tap("楼栋");
    k.taps("5");
    k.tap("房号");
    k.taps("302");
    k.tap("下一步");
    k.tap("装修噪音");
    k.tap("下一步");
    k.taps("12345");
    k.tap("下一步");
    assert_eq!(k.page(), Page::Contact);
    assert!(k.app.global::<ContactAdapter>().get_error().contains("手机号不正确"));
    k.tap("匿名提交（不留电话，无法回访）");
    k.tap("下一步");
    assert_eq!(k.page(), Page::Review);
}

/// Every `@tr` string in ui/ has a translation in each catalogue; a new string without
/// one would show Chinese to an English reader.
#[test]
fn every_screen_string_is_translated_in_every_catalogue() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut strings = std::collections::BTreeSet::new();
    let mut stack = vec![root.join("ui")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "slint") {
                let text = std::fs::read_to_string(&path).unwrap();
                for part in text.split("@tr(\"").skip(1) {
                    strings.insert(part.split('"').next().unwrap().to_string());
                }
            }
        }
    }
    assert!(strings.len() > 50, "found {} strings", strings.len());
    for lang in ["zh-CN", "zh-TW", "en"] {
        let po =
            std::fs::read_to_string(root.join(format!("ui/translations/{lang}/LC_MESSAGES/lobbydesk.po")))
                .unwrap();
        for s in &strings {
            let entry = format!("msgid \"{s}\"\nmsgstr \"");
            let at = po.find(&entry).unwrap_or_else(|| panic!("{lang}: no entry for {s:?}"));
            let translated = po[at + entry.len()..].split('"').next().unwrap();
            assert!(!translated.is_empty(), "{lang}: empty translation for {s:?}");
            // Chinese screens speak Chinese: no "PIN", no command names.
            if lang != "en" {
                assert!(
                    !translated.chars().any(|c| c.is_ascii_alphabetic()),
                    "{lang}: Latin letters in {translated:?}"
                );
            }
        }
    }
}

#[test]
fn the_call_staff_button_alerts_the_front_desk_and_the_screen_says_so() {
    let k = Kiosk::new();
    let (_pins, panel) = panel(&k);
    // F2 in the window presses the simulated button, which bounces.
    assert!(k.app.global::<KioskAdapter>().invoke_physical_key("\u{F705}".into()));
    assert!(k.app.global::<KioskAdapter>().get_notice().contains("已呼叫前台"));
    k.with_service(|s| assert_eq!(s.alerts.len(), 1, "one press, one alert"));
    assert_eq!(panel.alerts_pending(), 1, "the buzzer sounds until staff acknowledge");
}

#[test]
fn the_screen_dims_when_nobody_is_there_and_the_waking_touch_presses_nothing() {
    let k = Kiosk::new();
    ui::with_kiosk(|kiosk| kiosk.set_backlight(Box::new(lobbydesk::hw::backlight::NoBacklight::default())));
    let last = ui::with_kiosk(|kiosk| kiosk.last_activity_for_tests()).unwrap();
    ui::with_kiosk(|kiosk| kiosk.tick(last + Duration::from_secs(299)));
    assert!(!ui::with_kiosk(|kiosk| kiosk.screen_dimmed()).unwrap());
    ui::with_kiosk(|kiosk| kiosk.tick(last + Duration::from_secs(301)));
    assert!(ui::with_kiosk(|kiosk| kiosk.screen_dimmed()).unwrap());
    k.tap("报修");
    assert!(!ui::with_kiosk(|kiosk| kiosk.screen_dimmed()).unwrap(), "a touch wakes it");
    assert_eq!(k.page(), Page::Home, "and only wakes it");
    k.tap("报修");
    assert_eq!(k.page(), Page::Category);
}

/// A panel with simulated pins (LED 17, button 27, buzzer 22) attached to the kiosk.
fn panel(k: &Kiosk) -> (lobbydesk::hw::sim::SimulatedPins, std::sync::Arc<lobbydesk::hw::Panel>) {
    use lobbydesk::hw::{GpioConfig, Panel, sim::SimulatedPins};
    let pins = SimulatedPins::default();
    let panel = Panel::start(
        Box::new(pins.clone()),
        GpioConfig { status_led: Some(17), call_button: Some(27), buzzer: Some(22), silence_button: None },
        Box::new(ui::staff_called_from_any_thread),
    )
    .unwrap();
    let panel = std::sync::Arc::new(panel);
    k.with_service(|s| s.attach_panel(panel.clone()));
    ui::with_kiosk(|kiosk| kiosk.set_simulated_button(pins.clone(), 27));
    (pins, panel)
}

fn texts(k: &Kiosk, label: &str) -> usize {
    ElementHandle::find_by_accessible_label(&k.app, label).count()
}

#[test]
fn staff_acknowledge_alerts_on_the_staff_screen_and_the_buzzer_stops() {
    let k = Kiosk::new();
    let (pins, panel) = panel(&k);
    // An emergency case from one resident, then a press of the call button.
    k.tap("紧急情况");
    k.tap("水浸/爆管");
    k.tap("1栋");
    k.hold("确认，通知前台");
    let ticket = k.app.global::<lobbydesk::ui::EmergencyAdapter>().get_ticket().to_string();
    k.tap("我知道了");
    assert!(k.app.global::<KioskAdapter>().invoke_physical_key("\u{F705}".into()));
    assert_eq!(panel.alerts_pending(), 2, "an emergency case sounds the buzzer too");

    k.tap("工作人员");
    assert_eq!(k.page(), Page::StaffSignIn);
    let staff = k.app.global::<StaffAdapter>();
    k.taps("1357");
    assert_eq!(staff.get_pin_length(), 4, "digits show as dots only");
    k.tap("登录");
    assert_eq!(k.page(), Page::StaffSignIn);
    assert!(staff.get_error().contains("还可尝试 3 次"), "{}", staff.get_error());
    assert_eq!(staff.get_pin_length(), 0, "a refused PIN is cleared");

    k.taps(STAFF_PIN);
    k.tap("登录");
    assert_eq!(k.page(), Page::Staff);
    assert!(k.app.global::<KioskAdapter>().get_title().contains("前台工作台"));
    assert_eq!(
        k.app.global::<lobbydesk::ui::DeskAdapter>().get_tab(),
        2,
        "alerts waiting: the desk opens on them"
    );
    assert_eq!(texts(&k, "紧急报修 水浸/爆管 · 公共区域：1栋"), 1, "the emergency, by category and place");
    assert_eq!(texts(&k, "大堂呼叫前台"), 1, "the call button");
    let alerts = staff.get_alerts();
    assert_eq!(alerts.row_count(), 2);
    assert_eq!(alerts.row_data(0).unwrap().ticket, ticket);

    // The emergency acknowledged: the call still sounds; the emergency stays listed with
    // its on-site clock until someone is there.
    let first = alerts.row_data(0).unwrap().id;
    staff.invoke_acknowledge(first);
    assert_eq!(panel.alerts_pending(), 1);
    let clock = staff.get_alerts().row_data(0).unwrap().on_site_clock.to_string();
    assert!(clock.contains("分钟内须到场"), "{clock}");
    k.tap("已处理");
    assert_eq!(panel.alerts_pending(), 0, "all acknowledged: the buzzer stops");
    assert_eq!(pins.level(22), Some(false));
    assert_eq!(texts(&k, "大堂呼叫前台"), 0, "an answered call is done with");
    k.with_service(|s| {
        let case = s.desk.show(&ticket).unwrap();
        let ack = case
            .events
            .iter()
            .find(|e| matches!(e.event.body, lobbydesk::domain::event::EventBody::Acknowledged { .. }))
            .expect("the emergency case records the acknowledgement");
        assert_eq!(ack.event.actor, "wangfang", "who acknowledged it");
        assert!(case.case.on_site_at.is_none());
    });
    k.tap("已到场");
    assert_eq!(texts(&k, "没有待处理的提醒。"), 1);
    k.with_service(|s| {
        assert!(s.alerts.is_empty());
        let case = s.desk.show(&ticket).unwrap().case;
        assert!(case.on_site_at.is_some(), "the 30-minute on-site clock stops, from the screen");
    });

    k.tap("退出登录");
    assert_eq!(k.page(), Page::Home);
    k.tap("工作人员");
    assert_eq!(k.page(), Page::StaffSignIn, "signed out: the PIN is asked again");
}

#[test]
fn an_alert_raised_while_the_staff_screen_is_open_shows_and_is_not_acknowledged_unseen() {
    let k = Kiosk::new();
    let (_pins, panel) = panel(&k);
    k.tap("工作人员");
    k.taps(STAFF_PIN);
    k.tap("登录");
    assert_eq!(k.page(), Page::Staff);
    assert_eq!(k.app.global::<lobbydesk::ui::DeskAdapter>().get_tab(), 0, "nothing waiting: today's cases");
    k.tap("提醒");
    assert_eq!(texts(&k, "没有待处理的提醒。"), 1);
    k.with_service(|s| s.raise_alert("", None, Utc::now()));
    // The call button while staff look at the list: the list shows it, no banner covers it.
    assert!(k.app.global::<KioskAdapter>().invoke_physical_key("\u{F705}".into()));
    assert_eq!(k.app.global::<KioskAdapter>().get_notice(), "");
    ui::tick(std::time::Instant::now());
    assert_eq!(k.app.global::<StaffAdapter>().get_alerts().row_count(), 2, "the list follows new alerts");
    // One more arrives after the list was drawn: "all" means all the staff member saw.
    k.with_service(|s| s.raise_alert("", None, Utc::now()));
    k.tap("全部已处理");
    assert_eq!(panel.alerts_pending(), 1, "the unseen alert still sounds");
    assert_eq!(k.app.global::<StaffAdapter>().get_alerts().row_count(), 1);
}

#[test]
fn wrong_pins_make_the_keypad_wait_briefly_across_a_restart() {
    let k = Kiosk::new();
    k.tap("工作人员");
    for _ in 0..5 {
        k.taps("0000");
        k.tap("登录");
    }
    let staff = k.app.global::<StaffAdapter>();
    let error = staff.get_error().to_string();
    let seconds: i64 =
        error.split("请 ").nth(1).and_then(|r| r.split(' ').next()).and_then(|n| n.parse().ok()).unwrap_or(0);
    assert!((1..=30).contains(&seconds), "half a minute at most: {error}");
    k.taps(STAFF_PIN);
    k.tap("登录");
    assert_eq!(k.page(), Page::StaffSignIn, "even the right PIN waits");
    // Pulling the plug does not lift it: a new service on the same data.
    let settings = settings();
    let desk = Desk::open(settings.clone(), k._data.path()).unwrap();
    let printer = Printer::open(&settings.printer, k._data.path()).unwrap();
    let mut restarted = Service::new(desk, printer);
    assert!(matches!(
        restarted.staff_sign_in(STAFF_PIN, Utc::now()),
        Err(lobbydesk::kiosk::staff::SignInRefusal::Locked { .. })
    ));
    // A passer-by's five wrong PINs keep staff out for half a minute, not a quarter hour.
    assert!(restarted.staff_sign_in(STAFF_PIN, Utc::now() + chrono::Duration::seconds(31)).is_ok());
}

#[test]
fn walking_away_from_the_staff_screen_signs_out() {
    let k = Kiosk::new();
    k.tap("工作人员");
    k.taps(STAFF_PIN);
    k.tap("登录");
    assert_eq!(k.page(), Page::Staff);
    let last = ui::with_kiosk(|kiosk| kiosk.last_activity_for_tests()).unwrap();
    ui::with_kiosk(|kiosk| kiosk.tick(last + Duration::from_secs(61)));
    assert_eq!(k.page(), Page::Home);
    k.tap("工作人员");
    assert_eq!(k.page(), Page::StaffSignIn);
    assert_eq!(k.app.global::<StaffAdapter>().get_staff_name(), "");
}

#[test]
fn unacknowledged_alerts_sound_again_after_a_restart() {
    let k = Kiosk::new();
    k.with_service(|s| s.raise_alert("", None, Utc::now()));
    let settings = settings();
    let desk = Desk::open(settings.clone(), k._data.path()).unwrap();
    let printer = Printer::open(&settings.printer, k._data.path()).unwrap();
    let mut restarted = Service::new(desk, printer);
    assert_eq!(restarted.alerts.len(), 1);
    let panel = lobbydesk::hw::Panel::start(
        Box::new(lobbydesk::hw::sim::SimulatedPins::default()),
        lobbydesk::hw::GpioConfig {
            status_led: None,
            call_button: None,
            buzzer: Some(22),
            silence_button: None,
        },
        Box::new(|| {}),
    )
    .unwrap();
    let panel = std::sync::Arc::new(panel);
    restarted.attach_panel(panel.clone());
    assert_eq!(panel.alerts_pending(), 1);
}

#[test]
fn a_kiosk_without_staff_accounts_says_so_at_the_pin_pad() {
    let k = Kiosk::new();
    k.with_service(|s| s.desk.settings.staff.clear());
    k.tap("工作人员");
    k.taps("1234");
    k.tap("登录");
    let error = k.app.global::<StaffAdapter>().get_error().to_string();
    assert!(error.contains("尚未设置工作人员账号"), "{error}");
    assert!(!error.contains("lobbydesk"), "the public never sees a command line: {error}");
}

#[test]
fn keys_reach_the_kiosk_through_the_window_without_a_touch_first() {
    // What a USB barcode scanner does: it types the ticket's QR code and Enter into
    // whatever window has focus, before anyone has touched the screen.
    let k = Kiosk::new();
    k.app.show().unwrap();
    for c in "K01-00042\n".chars() {
        let text: slint::SharedString = c.to_string().into();
        k.app.window().dispatch_event(slint::platform::WindowEvent::KeyPressed { text: text.clone() });
        k.app.window().dispatch_event(slint::platform::WindowEvent::KeyReleased { text });
    }
    assert_eq!(k.page(), Page::Lookup);
    let l = k.app.global::<LookupAdapter>();
    assert_eq!(l.get_ticket(), "K01-00042");
    assert_eq!(l.get_active(), 1, "Enter moved on to the phone digits");
    k.app.hide().unwrap();
}

/// A clerk's case at the desk, all by touch: found by its number, fixed, called back and
/// not satisfied (the case reopens with the next date set), fixed again, called back in
/// person with the resident's signature drawn on the screen, and its work order printed.
#[test]
fn a_clerk_works_a_case_at_the_desk_through_two_callbacks_and_a_signature() {
    use lobbydesk::ui::DeskAdapter;
    let k = Kiosk::new();
    // A hand-over defect the desk took from a walk-in: every one is called back.
    let ticket = k.with_service(|s| {
        let new = NewCase {
            category: "handover-small".into(),
            place: "6-1-802".into(),
            phone: Some("13800138000".into()),
            text: "门框掉漆".into(),
            staff: Some("wangfang".into()),
            channel: Some(lobbydesk::domain::intake::Channel::WalkIn),
            ..NewCase::default()
        };
        s.desk.file(&new, Utc::now() - chrono::Duration::hours(1)).unwrap().ticket().to_string()
    });
    k.tap("工作人员");
    k.taps(STAFF_PIN);
    k.tap("登录");
    let d = k.app.global::<DeskAdapter>();
    assert_eq!((d.get_tab(), d.get_count_new()), (0, 1), "today's desk: one new case");
    k.tap("查找");
    k.taps("0001");
    assert_eq!(d.get_rows().row_count(), 1, "found by the ticket's digits");
    k.tap_starting(&ticket);
    assert_eq!(k.page(), Page::StaffCase);
    assert!(!k.has("结案"), "closing is a supervisor's: the clerk is not offered it");
    k.tap("显示电话");
    assert_eq!(d.get_phone(), "13800138000", "the full number, when asked, to call");

    k.act("派工");
    k.tap("取消");
    assert!(!d.get_picking(), "changed their mind: nothing recorded");
    k.act("派工");
    k.tap("李师傅（工程部）");
    let case = k.with_service(|s| s.desk.show(&ticket).unwrap().case);
    assert_eq!(case.assignee.as_deref(), Some("李师傅"), "dispatched to a configured technician");
    let history: Vec<String> = d.get_timeline().iter().map(|f| f.value.to_string()).collect();
    assert!(history.iter().any(|h| h.starts_with("派工：工程部 李师傅")), "the history says so: {history:?}");
    k.act("处理完毕");
    k.tap("已维修完毕");
    assert_eq!(k.with_service(|s| s.desk.show(&ticket).unwrap().case.status), Status::Resolved);
    k.act("回访");
    assert_eq!(k.page(), Page::StaffCallback);
    k.tap("保存回访记录");
    assert_eq!(k.page(), Page::StaffCallback, "nothing chosen: the form says what is missing");
    assert!(d.get_form_error().contains("是否满意"), "{}", d.get_form_error());
    k.tap("不满意");
    k.tap("2");
    // 001 4.4's written answers: what fell short, from the words form and back.
    k.tap_scrolling("不足之处", (0.3, 0.6));
    assert_eq!(k.page(), Page::StaffForm);
    k.tap("问题反复出现");
    k.tap("保存");
    assert_eq!(k.page(), Page::StaffCallback, "back to the callback, nothing recorded yet");
    k.tap_scrolling("3天后", (0.3, 0.6));
    k.tap("保存回访记录");
    assert_eq!(k.page(), Page::StaffCase);
    let case = k.with_service(|s| s.desk.show(&ticket).unwrap().case);
    assert_eq!(case.status, Status::Reopened);
    assert_eq!(case.callbacks[0].value.quality.map(|q| q.value()), Some(2));
    assert_eq!(case.callbacks[0].by, "wangfang");
    assert_eq!(case.callbacks[0].value.shortcomings.as_deref(), Some("问题反复出现"));
    let next = case.next_callback_at.expect("the next date");
    assert!((next - Utc::now()).num_hours() >= 71, "three days on");
    assert!(d.get_case_callback().contains("待第2次回访"), "{}", d.get_case_callback());

    k.act("处理完毕");
    k.tap("已现场解决");
    k.act("回访");
    k.tap("上门回访");
    k.tap("满意");
    k.tap("保存回访记录");
    assert!(d.get_form_error().contains("签名"), "in person: no signature, no record");
    let pad = ElementHandle::find_by_accessible_label(&k.app, "签名框").next().expect("the signature pad");
    let (p, s) = (pad.absolute_position(), pad.size());
    assert!(p.y + s.height <= 480.5 && p.x + s.width <= 800.5, "the pad lies in the window");
    let at = |fx: f32, fy: f32| slint::LogicalPosition::new(p.x + s.width * fx, p.y + s.height * fy);
    let button = slint::platform::PointerEventButton::Left;
    let w = k.app.window();
    w.dispatch_event(slint::platform::WindowEvent::PointerPressed { position: at(0.1, 0.5), button });
    for i in 1..=8 {
        w.dispatch_event(slint::platform::WindowEvent::PointerMoved {
            position: at(0.1 + 0.1 * i as f32, 0.5 - 0.04 * i as f32),
        });
    }
    w.dispatch_event(slint::platform::WindowEvent::PointerReleased { position: at(0.9, 0.2), button });
    assert!(d.get_signed());
    assert!(d.get_signature_path().starts_with("M "), "the strokes show as drawn");
    k.tap("保存回访记录");
    assert_eq!(k.page(), Page::StaffCase);
    let case = k.with_service(|s| s.desk.show(&ticket).unwrap().case);
    assert_eq!(case.status, Status::CallbackDone);
    let signature = case.callbacks[1].value.signature.as_ref().expect("stored with the callback");
    assert!(signature.strokes[0].len() >= 5, "{signature:?}");

    k.act("打印派工单");
    assert!(d.get_message().contains("派工单"), "{}", d.get_message());
    k.with_service(|s| assert!(s.printer.virtual_printer.as_ref().unwrap().printed() >= 1));
    // Back: the desk, and the day's report on paper.
    k.app.global::<KioskAdapter>().invoke_back();
    assert_eq!(k.page(), Page::Staff);
    k.tap("今日");
    let printed = k.with_service(|s| s.printer.virtual_printer.as_ref().unwrap().printed());
    k.tap("打印日报");
    assert!(d.get_message().contains("日报"), "{}", d.get_message());
    k.with_service(|s| assert_eq!(s.printer.virtual_printer.as_ref().unwrap().printed(), printed + 1));
}

/// A phone complaint filed at the desk with the resident pages: the clerk owns it, no
/// paper is printed for a caller, and the new case opens ready to be dispatched.
#[test]
fn a_clerk_files_a_phone_complaint_at_the_desk() {
    use lobbydesk::ui::DeskAdapter;
    let k = Kiosk::new();
    k.tap("工作人员");
    k.taps(STAFF_PIN);
    k.tap("登录");
    k.tap("登记");
    k.tap("来电");
    k.tap("投诉");
    // What only staff set: here the severity (重要) and the department.
    k.tap_scrolling("重要", (0.5, 0.6));
    k.tap_scrolling("保安部", (0.5, 0.6));
    k.tap_scrolling("开始登记", (0.5, 0.6));
    assert_eq!(k.page(), Page::Category);
    k.tap("噪音扰民");
    k.tap("楼栋");
    k.taps("5");
    k.tap("房号");
    k.taps("302");
    k.tap("下一步");
    k.taps("zaoyin");
    k.tap_candidate("噪音");
    k.tap("下一步");
    k.taps("13900139000");
    k.tap("下一步");
    assert_eq!(k.page(), Page::Review);
    k.tap("提交");
    assert_eq!(k.page(), Page::StaffCase, "straight to the new case");
    let d = k.app.global::<DeskAdapter>();
    assert_eq!(d.get_case_ticket(), "K01-00001");
    assert!(d.get_message().contains("已登记 K01-00001"), "{}", d.get_message());
    k.with_service(|s| {
        let record = s.desk.show("K01-00001").unwrap();
        let case = &record.case;
        assert_eq!(case.intake.channel, lobbydesk::domain::intake::Channel::Phone);
        assert_eq!(case.owner, "wangfang", "the clerk is the first-inquiry owner");
        assert_eq!(case.intake.text, "噪音");
        assert_eq!(case.severity, Some(lobbydesk::domain::intake::Severity::Important));
        assert_eq!(case.department, Some(lobbydesk::domain::intake::Department::Security));
        assert!(s.desk.store().print_jobs_of(case.id).unwrap().is_empty(), "no ticket for a caller");
    });
    // Back to the desk, still signed in.
    k.app.global::<KioskAdapter>().invoke_back();
    assert_eq!(k.page(), Page::Staff);
    assert!(k.has("退出登录"));
}

/// The case page's other actions, each a small form filled by touch: a reply typed in
/// pinyin, a plan and a new date from the quick phrases, a pause and its end, an
/// escalation, a hand-over and a link to the earlier case from the same home. What the
/// clerk's role may not do is explained when asked.
#[test]
fn a_clerk_replies_plans_pauses_escalates_hands_over_and_links_with_small_forms() {
    use lobbydesk::domain::event::EventBody;
    use lobbydesk::ui::DeskAdapter;
    let k = Kiosk::new();
    let (first, second) = k.with_service(|s| {
        let new = NewCase {
            category: "noise".into(),
            place: "5-1-302".into(),
            phone: Some("13900139000".into()),
            text: "楼上噪音".into(),
            ..NewCase::default()
        };
        let first = s.desk.file(&new, Utc::now() - chrono::Duration::days(2)).unwrap().ticket().to_string();
        let second = s.desk.file(&new, Utc::now() - chrono::Duration::hours(1)).unwrap().ticket().to_string();
        (first, second)
    });
    let events = |k: &Kiosk| k.with_service(|s| s.desk.show(&second).unwrap().events);
    k.tap("工作人员");
    k.taps(STAFF_PIN);
    k.tap("登录");
    k.tap("查找");
    k.taps("0002");
    k.tap_starting(&second);
    let d = k.app.global::<DeskAdapter>();

    k.tap("答复住户");
    assert_eq!(k.page(), Page::StaffForm);
    k.tap("保存");
    assert!(d.get_form_error().contains("答复内容"), "nothing typed: {}", d.get_form_error());
    k.taps("zaoyin");
    k.tap_candidate("噪音");
    k.tap("已收到，正在安排处理");
    k.tap("保存");
    assert_eq!(k.page(), Page::StaffCase);
    let reply = events(&k).into_iter().find_map(|e| match e.event.body {
        EventBody::Replied { method, text } => Some((method, text, e.event.actor)),
        _ => None,
    });
    let (method, text, actor) = reply.expect("the reply is recorded");
    assert_eq!(method, lobbydesk::domain::event::ContactMethod::Phone);
    assert_eq!(text, "噪音，已收到，正在安排处理");
    assert_eq!(actor, "wangfang");

    k.act("处理方案");
    k.tap("协调相关部门处理");
    k.tap("保存");
    k.act("改约日期");
    k.tap("7天后");
    k.tap("需第三方配合");
    k.tap("保存");
    k.act("暂停计时");
    k.tap("等待住户");
    k.tap("住户不在家");
    k.tap("保存");
    let case = k.with_service(|s| s.desk.show(&second).unwrap().case);
    assert!(case.current_pause().is_some(), "the clocks wait for the resident");
    let promised = case.promise.as_ref().expect("the new date").value.due;
    assert!((promised - Utc::now()).num_days() >= 6, "seven days on: {promised}");
    k.act("继续计时");
    assert!(k.with_service(|s| s.desk.show(&second).unwrap().case.current_pause().is_none()));

    k.act("上报");
    k.tap("项目经理");
    k.tap("七日未解决，书面上报");
    k.tap("保存");
    k.act("移交跟进");
    k.tap("王芳");
    k.tap("请继续跟进回访");
    k.tap("保存");
    assert_eq!(k.with_service(|s| s.desk.show(&second).unwrap().case.owner), "wangfang");

    k.act("同一事项");
    k.tap_starting(&first);
    k.tap("保存");
    let case = k.with_service(|s| s.desk.show(&second).unwrap().case);
    assert_eq!(case.duplicate_of_ticket.as_deref(), Some(first.as_str()));
    let kinds: Vec<&str> = events(&k).iter().map(|e| e.event.body.name()).collect();
    for kind in ["plan-set", "promise-set", "paused", "resumed", "escalated", "owner-handed-over"] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }

    // Closing is a supervisor's: asked why, the page says who may.
    k.act("为何没有其他操作？");
    let why: Vec<String> = d.get_not_yours().iter().map(|f| format!("{}：{}", f.label, f.value)).collect();
    assert!(why.iter().any(|w| w.starts_with("投诉分类") || w.starts_with("结案")), "{why:?}");
    assert!(why.iter().all(|w| w.contains("由")), "{why:?}");
}

/// 查找 without words lists every case a page at a time, and the filters narrow it: by
/// kind, then to the overdue ones.
#[test]
fn the_desk_lists_cases_a_page_at_a_time_and_filters_them() {
    use lobbydesk::ui::DeskAdapter;
    let k = Kiosk::new();
    k.with_service(|s| {
        for i in 0..25 {
            let new = NewCase {
                category: "water".into(),
                place: format!("3-1-{}", 101 + i),
                phone: Some("13800138000".into()),
                text: "漏水".into(),
                ..NewCase::default()
            };
            s.desk.file(&new, Utc::now() - chrono::Duration::minutes(30 + i)).unwrap();
        }
        for days in [0, 5, 6] {
            let new = NewCase {
                category: "noise".into(),
                place: "5-1-302".into(),
                phone: Some("13900139000".into()),
                text: "噪音".into(),
                ..NewCase::default()
            };
            s.desk
                .file(&new, Utc::now() - chrono::Duration::days(days) - chrono::Duration::minutes(5))
                .unwrap();
        }
    });
    k.tap("工作人员");
    k.taps(STAFF_PIN);
    k.tap("登录");
    k.tap("查找");
    let d = k.app.global::<DeskAdapter>();
    assert_eq!(d.get_rows().row_count(), 20, "a page");
    assert!(d.get_has_next_page() && !d.get_has_previous_page());
    k.tap("下一页");
    assert_eq!(d.get_rows().row_count(), 8, "the rest");
    assert!(!d.get_has_next_page() && d.get_has_previous_page());
    k.tap("上一页");
    assert_eq!(d.get_rows().row_count(), 20);
    // Words, typed in pinyin on a form of their own.
    k.tap("按文字查找");
    assert_eq!(k.page(), Page::StaffForm);
    k.taps("zaoyin");
    k.tap_candidate("噪音");
    k.tap("保存");
    assert_eq!(k.page(), Page::Staff);
    assert_eq!(d.get_query(), "噪音");
    assert_eq!(d.get_rows().row_count(), 3, "the three noise complaints");
    k.tap("删除");
    k.tap("删除");
    assert_eq!(d.get_rows().row_count(), 20, "words cleared: the list again");
    k.tap("筛选");
    k.tap("投诉");
    assert_eq!(d.get_rows().row_count(), 3, "the complaints");
    assert!(d.get_filter_summary().contains("投诉"), "{}", d.get_filter_summary());
    k.tap("超时");
    let rows: Vec<_> = d.get_rows().iter().collect();
    assert_eq!(rows.len(), 2, "the two filed days ago are overdue");
    assert!(rows.iter().all(|r| r.overdue));
}

/// 打印 at the desk: the printer's state and its queue; a held ticket printed again, a
/// waiting one cancelled, the monthly summary sent.
#[test]
fn the_desk_shows_the_print_queue_and_retries_or_cancels_a_job() {
    use lobbydesk::store::JobState;
    use lobbydesk::ui::DeskAdapter;
    let k = Kiosk::new();
    let (held, waiting) = k.with_service(|s| {
        let new = NewCase {
            category: "water".into(),
            place: "3-2-1201".into(),
            phone: Some("13800138000".into()),
            text: "漏水".into(),
            ..NewCase::default()
        };
        let first = s.desk.file(&new, Utc::now()).unwrap();
        let second = s.desk.file(&new, Utc::now()).unwrap();
        let job = |c: &lobbydesk::domain::case::Case| s.desk.store().print_jobs_of(c.id).unwrap()[0].id;
        let (held, waiting) = (job(&first), job(&second));
        s.desk.store_mut().hold_print_job(held, "printer out of paper while the resident waited").unwrap();
        (held, waiting)
    });
    k.tap("工作人员");
    k.taps(STAFF_PIN);
    k.tap("登录");
    k.tap("打印");
    let d = k.app.global::<DeskAdapter>();
    assert_eq!(d.get_printer_status(), "打印机正常");
    assert_eq!(d.get_print_jobs().row_count(), 2);
    k.tap("取消 受理单 K01-00002");
    k.tap("重打 受理单 K01-00001");
    let state = |id| k.with_service(|s| s.desk.store().print_job(id).unwrap().state);
    assert_eq!(state(waiting), JobState::Failed, "cancelled, kept for the record");
    assert!(matches!(state(held), JobState::Printed | JobState::Sent), "{:?}", state(held));
    let notes: Vec<String> = d.get_print_jobs().iter().map(|j| j.note.to_string()).collect();
    assert!(notes.iter().any(|n| n.contains("cancelled by wangfang")), "{notes:?}");
    k.tap("打印月报");
    assert!(d.get_message().contains("月度汇总"), "{}", d.get_message());
    k.with_service(|s| {
        let jobs = s.desk.store().print_jobs(1).unwrap();
        assert_eq!(jobs[0].document, lobbydesk::store::DocumentKind::MonthlySummary);
        assert!(matches!(jobs[0].state, JobState::Printed | JobState::Sent));
    });
}

/// 收费报价 (002 上门维修): the price typed on the keypad, the resident agrees and signs on
/// the screen, and the work order prints the quote instead of blank lines.
#[test]
fn a_fee_is_quoted_agreed_and_signed_at_the_desk() {
    use lobbydesk::ui::DeskAdapter;
    let k = Kiosk::new();
    let ticket = k.open_repair();
    k.tap("工作人员");
    k.taps(STAFF_PIN);
    k.tap("登录");
    k.tap("查找");
    k.tap_starting(&ticket);
    k.act("收费报价");
    assert_eq!(k.page(), Page::StaffQuote);
    k.taps("120");
    k.tap("小数点");
    k.taps("5");
    let d = k.app.global::<DeskAdapter>();
    assert_eq!(d.get_quote_amount(), "120.5");
    k.tap("保存报价");
    assert!(d.get_form_error().contains("同意"), "{}", d.get_form_error());
    k.tap("同意");
    k.tap("保存报价");
    assert!(d.get_form_error().contains("签名"), "agreed, so signed: {}", d.get_form_error());
    let pad = ElementHandle::find_by_accessible_label(&k.app, "签名框").next().expect("the signature pad");
    let (p, s) = (pad.absolute_position(), pad.size());
    let at = |fx: f32, fy: f32| slint::LogicalPosition::new(p.x + s.width * fx, p.y + s.height * fy);
    let button = slint::platform::PointerEventButton::Left;
    let w = k.app.window();
    w.dispatch_event(slint::platform::WindowEvent::PointerPressed { position: at(0.2, 0.5), button });
    w.dispatch_event(slint::platform::WindowEvent::PointerMoved { position: at(0.5, 0.3) });
    w.dispatch_event(slint::platform::WindowEvent::PointerMoved { position: at(0.8, 0.6) });
    w.dispatch_event(slint::platform::WindowEvent::PointerReleased { position: at(0.8, 0.6), button });
    k.tap("保存报价");
    assert_eq!(k.page(), Page::StaffCase);
    let case = k.with_service(|s| s.desk.show(&ticket).unwrap().case);
    let fee = case.fee.clone().expect("the quote is recorded").value;
    assert_eq!((fee.amount_fen, fee.consented, fee.signed), (12050, true, true));
    let order = k.with_service(|s| {
        let doc = s
            .desk
            .document(
                lobbydesk::store::DocumentKind::WorkOrder,
                Some(&case),
                &serde_json::Value::Null,
                false,
                Utc::now(),
            )
            .unwrap();
        format!("{doc:?}")
    });
    assert!(order.contains("120.50元") && order.contains("同意报价"), "{order}");
}

/// A supervisor reviews the clerk's callback record with an opinion from the form (001
/// 11.1.8), reprints the resident's ticket, and closes the case.
#[test]
fn a_supervisor_reviews_a_callback_reprints_the_ticket_and_closes_the_case() {
    use lobbydesk::app::{Action, CallbackInput};
    use lobbydesk::domain::event::ContactMethod;
    use lobbydesk::ui::DeskAdapter;
    let k = Kiosk::new();
    let ticket = k.resolved_case();
    k.with_service(|s| {
        let callback = CallbackInput {
            method: ContactMethod::Phone,
            satisfied: true,
            quality: Some(5),
            effect: Some(5),
            satisfaction: Some(5),
            shortcomings: None,
            suggestions: None,
            next_callback_at: None,
            signature: None,
        };
        s.desk.act(&ticket, Action::Callback(callback), "wangfang", Utc::now()).unwrap();
    });
    k.tap("工作人员");
    k.taps(SUPERVISOR_PIN);
    k.tap("登录");
    let d = k.app.global::<DeskAdapter>();
    assert_eq!(d.get_count_review(), 1, "one callback record to review");
    k.tap("查找");
    k.tap_starting(&ticket);
    k.act("审核回访");
    assert_eq!(k.page(), Page::StaffForm);
    assert_eq!(d.get_form_text_label(), "第1次回访的审核意见");
    k.tap("已审核，记录属实");
    k.tap("保存");
    assert_eq!(k.page(), Page::StaffCase);
    let case = k.with_service(|s| s.desk.show(&ticket).unwrap().case);
    assert_eq!(case.reviews.len(), 1);
    assert_eq!(
        (case.reviews[0].by.as_str(), case.reviews[0].value.opinion.as_str()),
        ("liu", "已审核，记录属实")
    );
    k.act("补打受理单");
    assert!(d.get_message().contains("补打"), "{}", d.get_message());
    k.with_service(|s| {
        let job = &s.desk.store().print_jobs(1).unwrap()[0];
        assert_eq!(
            (job.document, job.reprint, job.requested_by.as_str()),
            (lobbydesk::store::DocumentKind::Ticket, true, "liu")
        );
        assert!(matches!(job.state, lobbydesk::store::JobState::Printed | lobbydesk::store::JobState::Sent));
    });
    k.act("结案");
    assert_eq!(k.with_service(|s| s.desk.show(&ticket).unwrap().case.status), Status::Closed);
}

/// On a portrait panel the case page's long list of actions scrolls in its share of the
/// height: the case's own facts stay on screen beside them.
#[test]
fn a_case_on_a_portrait_panel_shows_its_facts_and_its_actions() {
    let k = Kiosk::sized(480, 800);
    let ticket = k.open_repair();
    k.tap("工作人员");
    k.taps(STAFF_PIN);
    k.tap("登录");
    k.tap("查找");
    k.tap_starting(&ticket);
    assert_eq!(k.page(), Page::StaffCase);
    assert_eq!(texts(&k, "地点：3栋2单元1201室"), 1, "the facts are in view, not pushed off by the buttons");
    assert!(k.has("答复住户"), "and the first actions");
    k.tap_scrolling("移交跟进", (0.5, 0.2));
}

/// What sox says of a WAV file: its length in seconds and its RMS amplitude (0..1).
fn sox_stat(wav: &std::path::Path) -> (f64, f64) {
    let out = std::process::Command::new("sox")
        .arg(wav)
        .args(["-n", "stat"])
        .output()
        .expect("sox is missing: run scripts/test, which installs it");
    let text = String::from_utf8_lossy(&out.stderr).to_string();
    let value = |name: &str| -> f64 {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split(':').nth(1))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("sox says no {name}: {text}"))
    };
    (value("Length (seconds)"), value("RMS     amplitude"))
}

/// The newest utterance the kiosk wrote, once espeak-ng has finished it.
fn last_utterance(k: &Kiosk) -> std::path::PathBuf {
    k.with_service(|s| s.speaker.as_ref().unwrap().wait());
    let mut files: Vec<_> = std::fs::read_dir(k._data.path().join("speech"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "wav"))
        .collect();
    files.sort();
    files.pop().expect("an utterance")
}

#[test]
fn the_kiosk_reads_the_ticket_and_the_progress_aloud() {
    let k = Kiosk::full(800, 480);
    k.tap("报修");
    k.tap("给排水");
    k.tap("楼栋");
    k.taps("3");
    k.tap("房号");
    k.taps("1201");
    k.tap("下一步");
    k.tap("漏水");
    k.tap("下一步");
    k.taps("13800138000");
    k.tap("下一步");
    k.tap("尽快");
    k.tap("提交");
    assert_eq!(k.page(), Page::Ticket);
    k.tap("读给我听");
    let (seconds, level) = sox_stat(&last_utterance(&k));
    // "您的单号是：K，零，一，杠，…" and the promise: several seconds of clear speech.
    assert!(seconds > 5.0, "only {seconds} s of speech");
    assert!(level > 0.02, "too quiet: RMS {level}");
    k.tap("完成");

    // In English after a lookup: the number, the promise and the status.
    let ticket = k.resolved_case();
    k.tap("EN");
    k.tap("Check progress");
    for c in format!("{ticket}\n8000\n").chars() {
        k.app.global::<KioskAdapter>().invoke_physical_key(c.to_string().into());
    }
    assert!(k.app.global::<LookupAdapter>().get_found());
    k.tap("Read aloud");
    let (seconds, level) = sox_stat(&last_utterance(&k));
    assert!(seconds > 4.0 && level > 0.02, "{seconds} s at RMS {level}");
}
