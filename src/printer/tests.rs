//! Paper, end to end: documents rendered for every shipped profile, read back by the
//! virtual printer, compared with golden bytes, QR codes decoded from the drawn paper, and
//! no typed text ever becoming a command.

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use std::path::PathBuf;
use uuid::Uuid;

use super::document::{Document, Style};
use super::layouts::{self, PaperContext};
use super::profile::{Profile, QrMode, TextMode};
use super::render::render;
use super::virtual_printer::{Paper, PaperItem, draw, interpret, png};
use crate::domain::calendar::WorkCalendar;
use crate::domain::case::Case;
use crate::domain::category::Catalogue;
use crate::domain::event::{Event, EventBody, Origin};
use crate::domain::filing::{FilingContext, NewCase};
use crate::domain::hlc::Hlc;
use crate::domain::intake::Lang;
use crate::domain::report;

fn filed_at() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T02:00:00Z").unwrap().with_timezone(&Utc)
}

/// A fixed case, so that its paper is the same byte for byte on every run.
fn case(new: NewCase, ticket: &str, seed: u128) -> Case {
    let catalogue = Catalogue::default();
    let id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + seed);
    let mut intake = new
        .validate(&FilingContext {
            catalogue: &catalogue,
            estate: "翠湖花园",
            case_id: id,
            repair_sample_percent: 30,
        })
        .unwrap();
    intake.ticket = ticket.into();
    let filed = Event {
        id: Uuid::from_u128(seed),
        case_id: id,
        origin: Origin::kiosk("K01"),
        stamp: Hlc { millis: filed_at().timestamp_millis(), counter: 0 },
        at: filed_at(),
        actor: "resident".into(),
        body: EventBody::Filed { intake: Box::new(intake) },
    };
    Case::fold([&filed]).unwrap()
}

fn repair(lang: Lang) -> Case {
    case(
        NewCase {
            category: "water".into(),
            place: "3-2-1201".into(),
            phone: Some("13800138000".into()),
            name: Some("张三".into()),
            text: "厨房水管漏水，地面已经有积水，请尽快派人来看看。Kitchen pipe leaking.".into(),
            visit_window: Some("工作日 9:00-12:00".into()),
            lang,
            ..NewCase::default()
        },
        "K01-00042",
        42,
    )
}

fn emergency() -> Case {
    case(
        NewCase {
            category: "flood".into(),
            place: "public:B2地下车库".into(),
            phone: Some("13700137000".into()),
            ..NewCase::default()
        },
        "K01-00043",
        43,
    )
}

fn ctx<'a>(catalogue: &'a Catalogue, calendar: &'a WorkCalendar) -> PaperContext<'a> {
    PaperContext {
        estate: "翠湖花园",
        staff_lang: Lang::ZhCn,
        front_desk_phone: Some("0755-12345678"),
        catalogue,
        calendar,
        staff: &[],
        resident_url: None,
    }
}

fn read_back(bytes: &[u8], profile: &Profile) -> Paper {
    let paper = interpret(bytes, profile.text, usize::from(profile.dots));
    assert!(paper.unknown.is_empty(), "{}: unknown commands {:?}", profile.name, paper.unknown);
    paper
}

fn decode_qr(paper: &Paper, dots: usize) -> Vec<String> {
    let page = draw(paper, dots);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(page.width, page.height, |x, y| {
        if page.get(x, y) { 0 } else { 255 }
    });
    img.detect_grids().into_iter().filter_map(|g| g.decode().ok().map(|(_, text)| text)).collect()
}

/// Writes the paper as PNG into $LOBBYDESK_PAPER_DIR, for people to look at.
fn keep_png(name: &str, paper: &Paper, dots: usize) {
    if let Ok(dir) = std::env::var("LOBBYDESK_PAPER_DIR") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(PathBuf::from(dir).join(format!("{name}.png")), png(&draw(paper, dots)).unwrap())
            .unwrap();
    }
}

#[test]
fn the_ticket_reads_back_with_number_category_promise_and_masked_phone() {
    let (catalogue, calendar) = (Catalogue::default(), WorkCalendar::default());
    for profile in Profile::shipped().into_iter().filter(|p| p.text != TextMode::Raster) {
        for (lang, category, promise) in [
            (Lang::ZhCn, "给排水", "48小时内"),
            (Lang::ZhTw, "給排水", "48小時內"),
            (Lang::En, "Water & plumbing", "within 48 hours"),
        ] {
            if profile.text == TextMode::Big5 && lang == Lang::ZhCn {
                continue; // a Big5 printer is for traditional Chinese and English
            }
            let doc = layouts::ticket(&repair(lang), &ctx(&catalogue, &calendar), false);
            let paper = read_back(&render(&doc, &profile), &profile);
            let text = paper.text();
            assert!(text.contains("K01-00042"), "{}/{lang}: {text}", profile.name);
            assert!(text.contains(category), "{}/{lang}: {text}", profile.name);
            assert!(text.replace('\n', "").contains(promise), "{}/{lang}: {text}", profile.name);
            assert!(text.contains("138****8000") && !text.contains("13800138000"), "{text}");
            assert_eq!(paper.cut(), profile.cutter);
            keep_png(&format!("ticket-{lang}-{}", profile.name), &paper, usize::from(profile.dots));
        }
    }
}

#[test]
fn the_ticket_qr_code_decodes_to_the_ticket_number_on_every_profile() {
    let (catalogue, calendar) = (Catalogue::default(), WorkCalendar::default());
    for profile in Profile::shipped() {
        let doc = layouts::ticket(&repair(Lang::ZhCn), &ctx(&catalogue, &calendar), false);
        let paper = read_back(&render(&doc, &profile), &profile);
        assert_eq!(decode_qr(&paper, usize::from(profile.dots)), ["K01-00042"], "{}", profile.name);
        if profile.qr == QrMode::Raster {
            assert!(paper.items.iter().any(|i| matches!(i, PaperItem::Image(_))));
        }
    }
}

/// With HQ configured the QR opens the case on the resident's phone; the kiosk's scanner
/// still reads the ticket out of it (domain::resident::ticket_in_link).
#[test]
fn with_hq_the_ticket_qr_code_decodes_to_the_phone_link_on_every_profile() {
    let (catalogue, calendar) = (Catalogue::default(), WorkCalendar::default());
    let mut case = repair(Lang::ZhCn);
    let key = "0123456789abcdef0123456789abcdef";
    case.intake.resident_key = Some(key.into());
    let link = format!("https://hq.example.com/r/K01-00042/{key}");
    for profile in Profile::shipped() {
        let ctx =
            PaperContext { resident_url: Some("https://hq.example.com/"), ..ctx(&catalogue, &calendar) };
        let paper = read_back(&render(&layouts::ticket(&case, &ctx, false), &profile), &profile);
        assert_eq!(
            decode_qr(&paper, usize::from(profile.dots)),
            std::slice::from_ref(&link),
            "{}",
            profile.name
        );
        keep_png(&format!("ticket-link-{}", profile.name), &paper, usize::from(profile.dots));
    }
    assert_eq!(crate::domain::resident::ticket_in_link(&link), Some("K01-00042"));
}

#[test]
fn raster_text_profiles_print_chinese_as_images() {
    let (catalogue, calendar) = (Catalogue::default(), WorkCalendar::default());
    let profile = Profile::by_name("epson-tm-t88").unwrap();
    let doc = layouts::ticket(&repair(Lang::ZhCn), &ctx(&catalogue, &calendar), false);
    let bytes = render(&doc, &profile);
    assert!(
        !bytes.windows(2).any(|w| w == super::render::CHINESE_ON),
        "no Chinese mode on a printer without the font"
    );
    let paper = read_back(&bytes, &profile);
    let text = paper.text();
    assert!(text.is_ascii(), "only what the printer's own font has goes as text: {text}");
    assert!(text.contains("K01-00042"), "{text}");
    let images = paper.items.iter().filter(|i| matches!(i, PaperItem::Image(_))).count();
    assert!(images > 5, "{images} images");
    keep_png("ticket-zh-CN-epson-tm-t88", &paper, usize::from(profile.dots));
}

/// A raster ticket (a printer without a Chinese font nor its own QR codes) with the
/// phone link's longer QR code: under 10 KB, under ten seconds at 9600 baud (a serial
/// printer's usual speed; 10 bits a byte). Its QR code still decodes (test above).
#[test]
fn a_raster_ticket_is_small_enough_for_a_slow_serial_line() {
    let (catalogue, calendar) = (Catalogue::default(), WorkCalendar::default());
    let profile = Profile::by_name("basic-58-raster").unwrap();
    let mut case = repair(Lang::ZhCn);
    case.intake.resident_key = Some("0123456789abcdef0123456789abcdef".into());
    let ctx = PaperContext { resident_url: Some("https://hq.example.com/"), ..ctx(&catalogue, &calendar) };
    let bytes = render(&layouts::ticket(&case, &ctx, false), &profile);
    let seconds = bytes.len() as f64 * 10.0 / 9600.0;
    assert!(bytes.len() <= 10 * 1024 && seconds < 10.0, "{} bytes, {seconds:.1} s at 9600 baud", bytes.len());
}

#[test]
fn an_emergency_ticket_promises_an_engineer_within_30_minutes() {
    let (catalogue, calendar) = (Catalogue::default(), WorkCalendar::default());
    let profile = Profile::by_name("generic-58").unwrap();
    let doc = layouts::ticket(&emergency(), &ctx(&catalogue, &calendar), false);
    let text = read_back(&render(&doc, &profile), &profile).text();
    assert!(text.contains("30分钟内到场"), "{text}");
    assert!(text.contains("水浸/爆管"), "{text}");
}

/// A hotline complaint HQ sent to the estate: its work order names the post that owns it
/// (the estate head), not an id, on both paper widths.
#[test]
fn a_hotline_work_order_names_the_estate_head_as_owner() {
    let (catalogue, calendar) = (Catalogue::default(), WorkCalendar::default());
    let hotline = case(
        NewCase {
            category: "attitude".into(),
            place: "5-1-302".into(),
            phone: Some("13900139000".into()),
            name: Some("陈女士".into()),
            text: "前台态度恶劣，拒不处理漏水".into(),
            channel: Some(crate::domain::intake::Channel::Hotline),
            staff: Some(crate::domain::filing::ESTATE_HEAD.into()),
            ..NewCase::default()
        },
        "HQ-00001",
        77,
    );
    for name in ["generic-58", "generic-80"] {
        let profile = Profile::by_name(name).unwrap();
        let doc = layouts::work_order(&hotline, &ctx(&catalogue, &calendar), filed_at());
        let paper = read_back(&render(&doc, &profile), &profile);
        let text = paper.text();
        assert!(text.contains("HQ-00001") && text.contains("楼盘负责人"), "{name}:\n{text}");
        assert!(!text.contains("estate-head"), "{name}: no raw id on paper\n{text}");
        keep_png(&format!("work-order-hotline-{name}"), &paper, usize::from(profile.dots));
    }
}

#[test]
fn a_reprint_says_so() {
    let (catalogue, calendar) = (Catalogue::default(), WorkCalendar::default());
    let profile = Profile::by_name("generic-80").unwrap();
    for (lang, mark) in [(Lang::ZhCn, "补打"), (Lang::En, "REPRINT")] {
        let doc = layouts::ticket(&repair(lang), &ctx(&catalogue, &calendar), true);
        assert!(read_back(&render(&doc, &profile), &profile).text().contains(mark));
        let doc = layouts::ticket(&repair(lang), &ctx(&catalogue, &calendar), false);
        assert!(!read_back(&render(&doc, &profile), &profile).text().contains(mark));
    }
}

#[test]
fn the_work_order_has_the_full_contact_and_the_signature_lines() {
    let (catalogue, calendar) = (Catalogue::default(), WorkCalendar::default());
    let profile = Profile::by_name("generic-80").unwrap();
    let doc = layouts::work_order(&repair(Lang::ZhCn), &ctx(&catalogue, &calendar), filed_at());
    let paper = read_back(&render(&doc, &profile), &profile);
    let text = paper.text();
    for expected in [
        "服务派工单",
        "K01-00042",
        "张三 13800138000",
        "工程部",
        "完成时限：2026-11-25 10:00",
        "收费报价",
        "业主签名",
        "工作日 9:00-12:00",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    keep_png("work-order-generic-80", &paper, usize::from(profile.dots));
}

#[test]
fn staff_forms_follow_the_staff_language() {
    let (catalogue, calendar) = (Catalogue::default(), WorkCalendar::default());
    let profile = Profile::by_name("generic-80-big5").unwrap();
    for (lang, expected) in [
        (Lang::ZhTw, ["服務派工單", "聯絡人：張三 13800138000", "給排水", "工程部", "業主簽名"]),
        (
            Lang::En,
            ["WORK ORDER", "Contact: 张三 13800138000", "Water & plumbing", "Engineering", "Signature"],
        ),
    ] {
        let c = PaperContext { staff_lang: lang, ..ctx(&catalogue, &calendar) };
        let mut case = repair(Lang::ZhCn);
        if lang == Lang::ZhTw {
            case.intake.contact.as_mut().unwrap().name = Some("張三".into());
        }
        let text = read_back(&render(&layouts::work_order(&case, &c, filed_at()), &profile), &profile).text();
        for e in expected {
            if lang == Lang::En && e.contains('张') {
                // A Big5 printer has no simplified 张: it prints as '?', never as garbage.
                assert!(text.contains("Contact: ?三 13800138000"), "{text}");
                continue;
            }
            assert!(text.contains(e), "{lang}: missing {e:?} in\n{text}");
        }
    }
    let c = PaperContext { staff_lang: Lang::En, ..ctx(&catalogue, &calendar) };
    let r = report::daily(
        &[repair(Lang::ZhCn), emergency()],
        &calendar,
        "2026-11-23".parse().unwrap(),
        filed_at() + chrono::Duration::hours(1),
    );
    let profile = Profile::by_name("generic-58").unwrap();
    let paper = read_back(&render(&layouts::daily_report(&r, &c), &profile), &profile);
    let text = paper.text().replace('\n', " ");
    assert!(text.contains("DAILY REPORT") && text.contains("emergency: on site within 30 min"), "{text}");
    keep_png("daily-report-en-generic-58", &paper, 384);
}

#[test]
fn the_daily_report_prints_its_counts() {
    let (catalogue, calendar) = (Catalogue::default(), WorkCalendar::default());
    let profile = Profile::by_name("generic-58").unwrap();
    let cases = [repair(Lang::ZhCn), emergency()];
    let r = report::daily(
        &cases,
        &calendar,
        "2026-11-23".parse().unwrap(),
        filed_at() + chrono::Duration::hours(1),
    );
    let doc = layouts::daily_report(&r, &ctx(&catalogue, &calendar));
    let paper = read_back(&render(&doc, &profile), &profile);
    let text = paper.text();
    assert!(text.contains("热线日报") && text.contains("K01-00043"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("新增") && l.trim_end().ends_with('2')), "{text}");
    keep_png("daily-report-generic-58", &paper, usize::from(profile.dots));
}

/// Golden bytes: any change to what we send a printer shows up here. Regenerate with
/// `LOBBYDESK_UPDATE_GOLDEN=1 cargo test golden` and review the PNGs before committing.
#[test]
fn golden_bytes_per_document_and_profile() {
    let (catalogue, calendar) = (Catalogue::default(), WorkCalendar::default());
    let c = ctx(&catalogue, &calendar);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let update = std::env::var("LOBBYDESK_UPDATE_GOLDEN").is_ok();
    let r = report::daily(
        &[repair(Lang::ZhCn), emergency()],
        &calendar,
        "2026-11-23".parse().unwrap(),
        filed_at(),
    );
    let mut mismatches = Vec::new();
    for profile in Profile::shipped() {
        let docs: Vec<(String, Document)> = vec![
            (format!("ticket-zh-CN-{}", profile.name), layouts::ticket(&repair(Lang::ZhCn), &c, false)),
            (format!("ticket-zh-TW-{}", profile.name), layouts::ticket(&repair(Lang::ZhTw), &c, false)),
            (format!("ticket-en-{}", profile.name), layouts::ticket(&repair(Lang::En), &c, true)),
            (
                format!("work-order-{}", profile.name),
                layouts::work_order(&repair(Lang::ZhCn), &c, filed_at()),
            ),
            (format!("daily-report-{}", profile.name), layouts::daily_report(&r, &c)),
        ];
        for (name, doc) in docs {
            let bytes = render(&doc, &profile);
            let path = dir.join(format!("{name}.bin"));
            if update {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &bytes).unwrap();
            } else if std::fs::read(&path).ok().as_deref() != Some(bytes.as_slice()) {
                mismatches.push(name);
            }
        }
    }
    assert!(mismatches.is_empty(), "output differs from tests/golden for {mismatches:?}");
}

#[test]
fn text_a_printer_cannot_print_becomes_a_question_mark() {
    assert_eq!(super::render::fit_charset("漏水😀", TextMode::Gb18030), "漏水?");
    assert_eq!(super::render::fit_charset("報修 报修", TextMode::Big5), "報修 ?修");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Whatever a person types — ESC, GS, DLE EOT, C1 controls, any Unicode — the bytes
    /// of their text hold nothing below 0x20 but line feeds, and the printer reads back
    /// no command we did not send.
    #[test]
    fn typed_text_never_reaches_the_printer_as_a_command(
        typed in prop::collection::vec(
            prop_oneof![
                Just('\u{1b}'), Just('\u{1d}'), Just('\u{10}'), Just('\u{4}'), Just('\u{1c}'),
                Just('\u{0}'), Just('\u{7f}'), Just('\u{9b}'), Just('\u{85}'), Just('\n'),
                any::<char>(),
                prop::char::range('一', '龥'),
            ],
            0..120,
        ),
        profile in prop::sample::select(Profile::shipped()),
    ) {
        let typed: String = typed.into_iter().collect();
        let mut doc = Document::default();
        doc.text(typed.clone(), Style::PLAIN);
        let with_text = render(&doc, &profile);
        let without = render(&Document { blocks: vec![super::document::Block::Text { text: String::new(), style: Style::PLAIN }] }, &profile);
        // The text's bytes sit where the empty text's line was.
        let prefix = without.iter().zip(&with_text).take_while(|(a, b)| a == b).count();
        let suffix = without.iter().rev().zip(with_text.iter().rev()).take_while(|(a, b)| a == b).count();
        let middle = &with_text[prefix.min(with_text.len())..with_text.len().saturating_sub(suffix).max(prefix)];
        if profile.text != TextMode::Raster {
            prop_assert!(
                middle.iter().all(|b| *b == b'\n' || (*b >= 0x20 && *b != 0x7f)),
                "control byte in text bytes {:02X?}", middle
            );
        }
        let paper = interpret(&with_text, profile.text, usize::from(profile.dots));
        prop_assert!(paper.unknown.is_empty(), "{:?}", paper.unknown);
        // A work order carries the same text in the name and the description.
        let (catalogue, calendar) = (Catalogue::default(), WorkCalendar::default());
        let mut c = repair(Lang::ZhCn);
        c.intake.text = typed.clone();
        let paper = interpret(&render(&layouts::work_order(&c, &ctx(&catalogue, &calendar), filed_at()), &profile), profile.text, usize::from(profile.dots));
        prop_assert!(paper.unknown.is_empty(), "{:?}", paper.unknown);
        prop_assert_eq!(paper.items.iter().filter(|i| matches!(i, PaperItem::Cut)).count(), usize::from(profile.cutter));
    }
}

#[test]
fn the_work_order_barcode_scans_back_to_the_ticket_on_every_profile() {
    let (catalogue, calendar) = (Catalogue::default(), WorkCalendar::default());
    for profile in Profile::shipped() {
        let doc = layouts::work_order(&repair(Lang::ZhCn), &ctx(&catalogue, &calendar), filed_at());
        let paper = read_back(&render(&doc, &profile), &profile);
        let page = draw(&paper, usize::from(profile.dots));
        let scanned: Vec<String> = (0..page.height)
            .step_by(4)
            .filter_map(|y| {
                let row: Vec<bool> = (0..page.width).map(|x| page.get(x, y)).collect();
                super::barcode::decode(&row)
            })
            .collect();
        assert!(scanned.iter().any(|s| s == "K01-00042"), "{}: scanned {scanned:?}", profile.name);
        assert!(paper.text().contains("K01-00042"));
    }
    // Data Code 39 cannot carry is left off rather than sent as garbage.
    let mut doc = Document::default();
    doc.barcode("k01-漏水");
    let profile = Profile::by_name("generic-80").unwrap();
    assert!(!render(&doc, &profile).windows(2).any(|w| w == [0x1D, b'k']));
}

#[test]
fn a_ticket_filed_with_an_unset_clock_says_so() {
    let (catalogue, calendar) = (Catalogue::default(), WorkCalendar::default());
    let profile = Profile::by_name("generic-80").unwrap();
    let mut case = repair(Lang::ZhCn);
    case.intake.clock_unsynced = true;
    let text =
        read_back(&render(&layouts::ticket(&case, &ctx(&catalogue, &calendar), false), &profile), &profile)
            .text();
    assert!(text.contains("终端时钟待校准"), "{text}");
    let text = read_back(
        &render(&layouts::ticket(&repair(Lang::ZhCn), &ctx(&catalogue, &calendar), false), &profile),
        &profile,
    )
    .text();
    assert!(!text.contains("待校准"));
}
