use super::*;
use crate::config::Settings;
use crate::domain::filing::NewCase;
use crate::domain::roles::Role;

fn desk(dir: &std::path::Path) -> Desk {
    let mut settings = Settings::default();
    crate::config::add_sample_staff(&mut settings.staff);
    Desk::open(settings, dir).unwrap()
}

fn session(id: &str, name: &str, role: Role) -> StaffSession {
    StaffSession { id: id.into(), name: name.into(), role }
}

#[test]
fn a_technician_sees_their_own_work_first_and_no_button_they_may_not_press() {
    let dir = tempfile::TempDir::new().unwrap();
    let mut desk = desk(dir.path());
    let now = Utc::now();
    let new = NewCase {
        category: "water".into(),
        place: "3-2-1201".into(),
        phone: Some("13800138000".into()),
        text: "漏水".into(),
        ..NewCase::default()
    };
    let mine = desk.file(&new, now - Duration::days(3)).unwrap();
    desk.file(&new, now).unwrap();
    let assign = Action::Assign {
        department: crate::domain::intake::Department::Engineering,
        assignee: Some("李师傅".into()),
    };
    desk.act(mine.ticket(), assign, "wang", now - Duration::days(3)).unwrap();
    let li = session("li", "李师傅", Role::Technician);
    let today = today(&desk, &li, Lang::ZhCn, now).unwrap();
    assert_eq!(today.rows[0].ticket, mine.ticket());
    assert!(today.rows[0].note.contains("派给我的"), "{:?}", today.rows[0]);
    let view = case_view(&desk, &li, mine.ticket(), Lang::ZhCn, now).unwrap();
    assert!(view.actions.contains(&DeskAction::Resolve) && view.actions.contains(&DeskAction::OnSite));
    assert!(!view.actions.contains(&DeskAction::Assign) && !view.actions.contains(&DeskAction::Close));
    // The front desk may dispatch, not close an unresolved case.
    let wang = session("wang", "王芳", Role::FrontDesk);
    let view = case_view(&desk, &wang, mine.ticket(), Lang::ZhCn, now).unwrap();
    assert!(view.actions.contains(&DeskAction::Assign) && !view.actions.contains(&DeskAction::Close));
    assert!(
        view.timeline.iter().any(|(_, what)| what.starts_with("派工：工程部 李师傅 · 王芳")),
        "{:?}",
        view.timeline
    );
    assert!(view.major_suggestion.is_none() && !view.actions.contains(&DeskAction::ConfirmMajor));
}

#[test]
fn the_desk_answers_the_major_proposal_and_it_goes_away() {
    let dir = tempfile::TempDir::new().unwrap();
    let mut desk = desk(dir.path());
    let now = Utc::now();
    let noise = NewCase {
        category: "noise".into(),
        place: "5-1-302".into(),
        phone: Some("13900139000".into()),
        text: "噪音".into(),
        ..NewCase::default()
    };
    desk.file(&noise, now - Duration::days(5)).unwrap();
    let again = desk.file(&noise, now).unwrap();
    let wang = session("wang", "王芳", Role::FrontDesk);
    let view = case_view(&desk, &wang, again.ticket(), Lang::ZhCn, now).unwrap();
    assert!(view.major_suggestion.as_deref().is_some_and(|s| s.contains("K01-00001")), "{view:?}");
    assert!(
        view.actions.contains(&DeskAction::ConfirmMajor) && view.actions.contains(&DeskAction::KeepSeverity)
    );
    let keep = Action::Classify { complaint_class: None, severity: Some(view.severity), department: None };
    desk.act(again.ticket(), keep, "wang", now).unwrap();
    let view = case_view(&desk, &wang, again.ticket(), Lang::ZhCn, now).unwrap();
    assert!(view.major_suggestion.is_none() && !view.actions.contains(&DeskAction::KeepSeverity));
}

#[test]
fn forms_say_what_is_missing_and_the_page_says_who_may_do_what_it_hides() {
    let dir = tempfile::TempDir::new().unwrap();
    let mut desk = desk(dir.path());
    let now = Utc::now();
    let noise = NewCase {
        category: "noise".into(),
        place: "5-1-302".into(),
        phone: Some("13900139000".into()),
        text: "噪音".into(),
        ..NewCase::default()
    };
    let first = desk.file(&noise, now - Duration::days(40)).unwrap();
    let second = desk.file(&noise, now).unwrap();
    let mut link = CaseForm::open(&desk, second.ticket(), DeskAction::Link, Lang::ZhCn).unwrap();
    assert_eq!(link.choices[0].options.len(), 1, "the earlier case at the same place is offered");
    assert!(link.choices[0].options[0].starts_with(first.ticket()));
    assert!(link.action(now, Lang::ZhCn).unwrap_err().contains("单号"), "neither picked nor typed");
    link.choices[0].chosen = Some(0);
    match link.action(now, Lang::ZhCn).unwrap() {
        Action::Link { primary_ticket } => assert_eq!(primary_ticket, first.ticket()),
        other => panic!("{other:?}"),
    }
    let mut pause = CaseForm::open(&desk, second.ticket(), DeskAction::Pause, Lang::En).unwrap();
    pause.choices[0].chosen = Some(1);
    assert!(pause.action(now, Lang::En).unwrap_err().contains("details"), "words are required");
    pause.text = "parts ordered".into();
    assert!(matches!(
        pause.action(now, Lang::En).unwrap(),
        Action::Pause { reason: crate::domain::event::PauseReason::Parts, .. }
    ));
    // A technician may fix, not reply or escalate: the page says who may.
    let li = session("li", "李师傅", Role::Technician);
    let view = case_view(&desk, &li, second.ticket(), Lang::ZhCn, now).unwrap();
    assert!(!view.actions.contains(&DeskAction::Reply) && view.actions.contains(&DeskAction::Plan));
    let (_, who) = view.not_yours.iter().find(|(what, _)| what == "答复住户").expect("explained");
    assert!(who.contains("客服前台") && !who.contains("维修员"), "{who}");
}

#[test]
fn the_callback_form_says_what_is_missing() {
    let now = Utc::now();
    let mut form = CallbackForm::default();
    assert!(form.action(now, Lang::ZhCn).unwrap_err().contains("是否满意"));
    form.satisfied = Some(false);
    assert!(form.action(now, Lang::ZhCn).unwrap_err().contains("下次回访"));
    form.next_in_days = Some(3);
    form.in_person = true;
    assert!(form.action(now, Lang::ZhCn).unwrap_err().contains("签名"));
    form.signature = vec![vec![[10, 10], [500, 500]]];
    match form.action(now, Lang::ZhCn).unwrap() {
        Action::Callback(c) => {
            assert_eq!(c.method, ContactMethod::InPerson);
            assert_eq!(c.next_callback_at, Some(now + Duration::days(3)));
            assert!(c.signature.is_some());
        }
        other => panic!("{other:?}"),
    }
}
