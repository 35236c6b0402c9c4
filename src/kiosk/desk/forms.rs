//! The desk's forms: the callback record, the fee quote, and the small form behind every
//! other action that needs a choice or some words.

use super::*;

/// A callback as the desk's form records it (001 4.4, 11.1.7, 11.1.9).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallbackForm {
    pub in_person: bool,
    pub satisfied: Option<bool>,
    pub quality: Option<u8>,
    pub effect: Option<u8>,
    pub satisfaction: Option<u8>,
    /// Not satisfied: call again in this many days.
    pub next_in_days: Option<i64>,
    pub signature: Vec<Vec<[u16; 2]>>,
    /// 001 4.4's last two: what fell short and what the resident suggests, in their words.
    pub shortcomings: String,
    pub suggestions: String,
}

/// Which of the callback form's two written answers a words form fills.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallbackWords {
    Shortcomings,
    Suggestions,
}

impl CallbackWords {
    pub fn label(self) -> Msg {
        match self {
            CallbackWords::Shortcomings => Msg("不足之处", "不足之處", "What fell short"),
            CallbackWords::Suggestions => Msg("住户建议", "住戶建議", "The resident suggests"),
        }
    }
}

impl CallbackForm {
    /// The action it records, or what is still missing.
    pub fn action(&self, now: DateTime<Utc>, lang: Lang) -> Result<Action, String> {
        let satisfied = self.satisfied.ok_or_else(|| {
            Msg("请选择住户是否满意", "請選擇住戶是否滿意", "Choose whether the resident is satisfied")
                .get(lang)
        })?;
        let signature = if self.in_person {
            let sig = Signature { strokes: self.signature.clone() };
            sig.check().map_err(|_| {
                Msg(
                    "上门回访请住户在签名框内签名",
                    "上門回訪請住戶在簽名框內簽名",
                    "In person: the resident signs in the box",
                )
                .get(lang)
                .to_string()
            })?;
            Some(sig)
        } else {
            None
        };
        if !satisfied && self.next_in_days.is_none() {
            return Err(Msg(
                "不满意：请约定下次回访时间",
                "不滿意：請約定下次回訪時間",
                "Not satisfied: agree the next callback date",
            )
            .get(lang)
            .into());
        }
        Ok(Action::Callback(CallbackInput {
            method: if self.in_person { ContactMethod::InPerson } else { ContactMethod::Phone },
            satisfied,
            quality: self.quality,
            effect: self.effect,
            satisfaction: self.satisfaction,
            shortcomings: Some(self.shortcomings.trim().to_string()).filter(|s| !s.is_empty()),
            suggestions: Some(self.suggestions.trim().to_string()).filter(|s| !s.is_empty()),
            next_callback_at: if satisfied {
                None
            } else {
                self.next_in_days.map(|d| now + Duration::days(d))
            },
            signature,
        }))
    }
}

/// 报价 as the desk's page records it: the amount typed in yuan, the answer, the signature.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QuoteForm {
    pub amount: String,
    pub consented: Option<bool>,
    pub signature: Vec<Vec<[u16; 2]>>,
}

impl QuoteForm {
    /// A key from the page's keypad: digits and one point, two decimals at most.
    pub fn key(&mut self, key: &str) {
        let decimals = self.amount.split_once('.').map(|(_, d)| d.len());
        match key {
            "." if decimals.is_none() && !self.amount.is_empty() => self.amount.push('.'),
            d if d.len() == 1
                && d.chars().all(|c| c.is_ascii_digit())
                && decimals.is_none_or(|n| n < 2)
                && self.amount.len() < 9 =>
            {
                if self.amount == "0" {
                    self.amount.clear();
                }
                self.amount.push_str(d);
            }
            _ => {}
        }
    }

    pub fn action(&self, lang: Lang) -> Result<Action, String> {
        if self.amount.is_empty() {
            return Err(Msg("请输入报价金额", "請輸入報價金額", "Type the fee").get(lang).into());
        }
        let amount_fen = crate::app::parse_yuan(&self.amount).map_err(|e| e.to_string())?;
        let consented = self.consented.ok_or_else(|| {
            Msg("请选择住户是否同意", "請選擇住戶是否同意", "Choose whether the resident agrees").get(lang)
        })?;
        let signature = if consented {
            let sig = Signature { strokes: self.signature.clone() };
            sig.check().map_err(|_| {
                Msg(
                    "住户同意报价，请在签名框内签名",
                    "住戶同意報價，請在簽名框內簽名",
                    "Agreed: the resident signs in the box",
                )
                .get(lang)
                .to_string()
            })?;
            Some(sig)
        } else {
            None
        };
        Ok(Action::Quote { amount_fen, consented, signature })
    }
}

/// One question of a case form: a label and its answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormChoice {
    pub label: String,
    pub options: Vec<String>,
    pub chosen: Option<usize>,
    /// Saved without an answer it changes nothing (a classification leaves it as it is).
    pub optional: bool,
}

/// The small form behind one of the case page's other actions: a choice or two and some
/// words, typed on the kiosk's pinyin keyboard or picked from its quick phrases.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseForm {
    pub action: DeskAction,
    pub ticket: String,
    pub choices: Vec<FormChoice>,
    /// What the words are for, when the action takes words.
    pub text_label: Option<String>,
    pub text_required: bool,
    pub phrases: Vec<String>,
    /// A ticket number rather than prose: the keyboard offers letters and digits only.
    pub ticket_keys: bool,
    pub text: String,
    /// What the first choice's options stand for when they are not a fixed vocabulary:
    /// the tickets to link to, the staff ids to hand over to.
    values: Vec<String>,
    /// Words for the callback form rather than an action of their own.
    pub for_callback: Option<CallbackWords>,
    /// Words to search for (查找), not an action.
    pub for_search: bool,
}

/// The longest words a case form takes (a plan, a reply, a joint record's summary).
pub const FORM_MAX_CHARS: usize = 200;

const REPLY_METHODS: [(ContactMethod, Msg); 3] = [
    (ContactMethod::Phone, Msg("电话", "電話", "By phone")),
    (ContactMethod::InPerson, Msg("当面", "當面", "In person")),
    (ContactMethod::Written, Msg("书面", "書面", "In writing")),
];
const CLASSES: [(crate::domain::intake::ComplaintClass, Msg); 3] = [
    (crate::domain::intake::ComplaintClass::Service, Msg("一类：物业服务", "一類：物業服務", "1 Service")),
    (crate::domain::intake::ComplaintClass::Developer, Msg("二类：开发商", "二類：開發商", "2 Developer")),
    (crate::domain::intake::ComplaintClass::External, Msg("三类：外部", "三類：外部", "3 External")),
];
const PROMISE_DAYS: [(i64, Msg); 4] = [
    (1, Msg("明天", "明天", "Tomorrow")),
    (3, Msg("3天后", "3天後", "In 3 days")),
    (7, Msg("7天后", "7天後", "In 7 days")),
    (15, Msg("15天后", "15天後", "In 15 days")),
];
/// The developer's pause starts with the joint record (提交开发商), not here.
const PAUSE_REASONS: [crate::domain::event::PauseReason; 3] = [
    crate::domain::event::PauseReason::Resident,
    crate::domain::event::PauseReason::Parts,
    crate::domain::event::PauseReason::ThirdParty,
];
const TARGETS: [(crate::domain::event::EscalationTarget, Msg); 4] = [
    (crate::domain::event::EscalationTarget::EstateManager, Msg("项目经理", "項目經理", "Estate manager")),
    (crate::domain::event::EscalationTarget::GroupHead, Msg("集团负责人", "集團負責人", "Group head")),
    (crate::domain::event::EscalationTarget::GeneralManager, Msg("总经理", "總經理", "General manager")),
    (crate::domain::event::EscalationTarget::Developer, Msg("开发商", "開發商", "Developer")),
];

/// The quick phrases each form offers on the keyboard's bar.
fn form_phrases(action: DeskAction) -> &'static [Msg] {
    match action {
        DeskAction::Reply => &[
            Msg("已收到，正在安排处理", "已收到，正在安排處理", "Received, being arranged"),
            Msg("已安排人员上门", "已安排人員上門", "Someone will come"),
            Msg("已转相关部门处理", "已轉相關部門處理", "Passed to the department"),
            Msg("已说明原因，住户表示理解", "已說明原因，住戶表示理解", "Explained; the resident agrees"),
        ],
        DeskAction::Plan => &[
            Msg("更换配件", "更換配件", "Replace the part"),
            Msg("约住户上门查看", "約住戶上門查看", "Visit with the resident"),
            Msg("协调相关部门处理", "協調相關部門處理", "Coordinate the departments"),
        ],
        DeskAction::Note => &[
            Msg("已联系住户", "已聯絡住戶", "Resident contacted"),
            Msg("等待住户回复", "等待住戶回覆", "Waiting for the resident"),
            Msg("已上门查看", "已上門查看", "Visited"),
        ],
        DeskAction::Promise => &[
            Msg("等待配件", "等待配件", "Waiting for parts"),
            Msg("住户约定的时间", "住戶約定的時間", "The resident's chosen day"),
            Msg("需第三方配合", "需第三方配合", "A third party is needed"),
        ],
        DeskAction::Pause => &[
            Msg("住户不在家", "住戶不在家", "The resident is away"),
            Msg("配件已订购", "配件已訂購", "Parts ordered"),
            Msg("等待供水公司", "等待供水公司", "Waiting for the water company"),
        ],
        DeskAction::Escalate => &[
            Msg("七日未解决，书面上报", "七日未解決，書面上報", "Unresolved after 7 days"),
            Msg("重大投诉，即时上报", "重大投訴，即時上報", "Major complaint"),
        ],
        DeskAction::Decide => &[
            Msg("可行，纳入计划", "可行，納入計劃", "Feasible, planned"),
            Msg("暂不具备条件", "暫不具備條件", "Not possible for now"),
        ],
        DeskAction::Reopen => {
            &[Msg("住户反映问题仍未解决", "住戶反映問題仍未解決", "The resident says it is not fixed")]
        }
        DeskAction::HandOver => &[Msg("请继续跟进回访", "請繼續跟進回訪", "Please follow up")],
        DeskAction::Review => &[
            Msg("已审核，记录属实", "已審核，記錄屬實", "Checked, the record is true"),
            Msg("已电话核实住户意见", "已電話核實住戶意見", "Confirmed with the resident by phone"),
            Msg("记录不完整，请补充", "記錄不完整，請補充", "Incomplete: please complete it"),
        ],
        DeskAction::ReferDeveloper => &[Msg(
            "已填写需开发商协商处理问题记录表",
            "已填寫需開發商協商處理問題記錄表",
            "Joint record filled in",
        )],
        DeskAction::DeveloperReply => &[
            Msg("开发商同意维修", "開發商同意維修", "The developer will repair"),
            Msg("开发商安排施工", "開發商安排施工", "The developer schedules works"),
        ],
        _ => &[],
    }
}

impl CaseForm {
    /// The words form for one of the callback record's written answers, holding what was
    /// typed before.
    pub fn callback_words(ticket: &str, which: CallbackWords, current: &str, lang: Lang) -> CaseForm {
        let phrases: &[Msg] = match which {
            CallbackWords::Shortcomings => &[
                Msg("上门不准时", "上門不準時", "Came late"),
                Msg("维修后未清理现场", "維修後未清理現場", "Left a mess"),
                Msg("问题反复出现", "問題反覆出現", "It keeps coming back"),
            ],
            CallbackWords::Suggestions => &[
                Msg("希望提前电话联系", "希望提前電話聯繫", "Call before coming"),
                Msg("希望加快处理", "希望加快處理", "Be quicker"),
            ],
        };
        CaseForm {
            action: DeskAction::Callback,
            ticket: ticket.to_string(),
            choices: Vec::new(),
            text_label: Some(which.label().get(lang).to_string()),
            text_required: false,
            phrases: phrases.iter().map(|m| m.get(lang).to_string()).collect(),
            ticket_keys: false,
            text: current.to_string(),
            values: Vec::new(),
            for_callback: Some(which),
            for_search: false,
        }
    }

    /// 查找 by words (a place, the description, a name): typed in pinyin, searched on save.
    pub fn search_words(current: &str, lang: Lang) -> CaseForm {
        let phrases = [
            Msg("漏水", "漏水", "leak"),
            Msg("噪音", "噪音", "noise"),
            Msg("电梯", "電梯", "lift"),
            Msg("停车", "停車", "parking"),
            Msg("垃圾", "垃圾", "rubbish"),
        ];
        CaseForm {
            action: DeskAction::Note,
            ticket: String::new(),
            choices: Vec::new(),
            text_label: Some(
                Msg(
                    "查找的文字：地点、内容、姓名",
                    "查找的文字：地點、內容、姓名",
                    "Words to find: place, text, name",
                )
                .get(lang)
                .into(),
            ),
            text_required: true,
            phrases: phrases.iter().map(|m| m.get(lang).to_string()).collect(),
            ticket_keys: false,
            text: current.to_string(),
            values: Vec::new(),
            for_callback: None,
            for_search: true,
        }
    }

    /// The form for `action` on the case `ticket`, with its choices filled from the case
    /// (current class and severity, earlier cases at the same place, who may take it over).
    pub fn open(desk: &Desk, ticket: &str, action: DeskAction, lang: Lang) -> Result<CaseForm, String> {
        use crate::domain::intake::Severity;
        use crate::domain::roles::Role;
        let record = desk.show(ticket).map_err(|e| e.to_string())?;
        let case = &record.case;
        let names = |list: &mut dyn Iterator<Item = &Msg>| list.map(|m| m.get(lang).to_string()).collect();
        let choice = |label: Msg, options: Vec<String>| FormChoice {
            label: label.get(lang).to_string(),
            options,
            chosen: None,
            optional: false,
        };
        let words = |m: Msg| Some(m.get(lang).to_string());
        let mut form = CaseForm {
            action,
            ticket: case.ticket().to_string(),
            choices: Vec::new(),
            text_label: None,
            text_required: true,
            phrases: form_phrases(action).iter().map(|m| m.get(lang).to_string()).collect(),
            ticket_keys: false,
            text: String::new(),
            values: Vec::new(),
            for_callback: None,
            for_search: false,
        };
        match action {
            DeskAction::Reply => {
                let mut c =
                    choice(Msg("方式", "方式", "How"), names(&mut REPLY_METHODS.iter().map(|(_, m)| m)));
                // Letters are answered in writing (004); anything else most often by phone.
                c.chosen =
                    Some(if case.intake.channel == crate::domain::intake::Channel::Letter { 2 } else { 0 });
                form.choices.push(c);
                form.text_label = words(Msg("答复内容", "答覆內容", "What the resident was told"));
            }
            DeskAction::Classify => {
                let mut class =
                    choice(Msg("类别", "類別", "Class"), names(&mut CLASSES.iter().map(|(_, m)| m)));
                class.chosen = CLASSES.iter().position(|(c, _)| Some(*c) == case.complaint_class);
                class.optional = true;
                let mut severity = choice(
                    Msg("等级", "等級", "Severity"),
                    Severity::ALL.iter().map(|s| s.name(lang).to_string()).collect(),
                );
                severity.chosen = Severity::ALL.iter().position(|s| Some(*s) == case.severity);
                severity.optional = true;
                form.choices = vec![class, severity];
                form.text_required = false;
            }
            DeskAction::Plan => form.text_label = words(Msg("处理方案", "處理方案", "The plan")),
            DeskAction::Note => form.text_label = words(Msg("进展", "進展", "What happened")),
            DeskAction::Promise => {
                form.choices.push(choice(
                    Msg("新日期", "新日期", "New date"),
                    names(&mut PROMISE_DAYS.iter().map(|(_, m)| m)),
                ));
                form.text_label = words(Msg("改期原因", "改期原因", "Why"));
            }
            DeskAction::Pause => {
                form.choices.push(choice(
                    Msg("等待", "等待", "Waiting for"),
                    PAUSE_REASONS.iter().map(|r| r.name(lang).to_string()).collect(),
                ));
                form.text_label = words(Msg("说明", "說明", "Details"));
            }
            DeskAction::Escalate => {
                form.choices
                    .push(choice(Msg("上报给", "上報給", "To"), names(&mut TARGETS.iter().map(|(_, m)| m))));
                form.text_label = words(Msg("上报原因", "上報原因", "Why"));
            }
            DeskAction::Link => {
                let earlier = desk.store().earlier_at_same_place(case.id, 4).map_err(|e| e.to_string())?;
                let tz = desk.settings.calendar.tz;
                let mut c = choice(
                    Msg("同一地点", "同一地點", "Same place"),
                    earlier
                        .iter()
                        .map(|c| format!("{} {}", c.ticket(), c.filed_at.with_timezone(&tz).format("%m-%d")))
                        .collect(),
                );
                c.optional = true;
                form.values = earlier.iter().map(|c| c.ticket().to_string()).collect();
                if !c.options.is_empty() {
                    form.choices.push(c);
                }
                form.text_label = words(Msg("或输入单号", "或輸入單號", "Or type its ticket"));
                form.text_required = false;
                form.ticket_keys = true;
            }
            DeskAction::Decide => {
                form.choices.push(choice(
                    Msg("建议", "建議", "Suggestion"),
                    vec![
                        Msg("采纳", "採納", "Adopt").get(lang).into(),
                        Msg("不采纳", "不採納", "Decline").get(lang).into(),
                    ],
                ));
                form.text_label = words(Msg("理由", "理由", "Why"));
            }
            DeskAction::Reopen => form.text_label = words(Msg("原因", "原因", "Why")),
            DeskAction::Review => {
                let (round, _) = case.unreviewed_callbacks().next().ok_or_else(|| {
                    Msg("没有待审核的回访", "沒有待審核的回訪", "No callback to review").get(lang)
                })?;
                form.values = vec![round.to_string()];
                let label = Msg("第{}次回访的审核意见", "第{}次回訪的審核意見", "Opinion on callback {}");
                form.text_label = Some(label.get(lang).replace("{}", &round.to_string()));
            }
            DeskAction::HandOver => {
                let takers: Vec<_> = desk
                    .settings
                    .staff
                    .iter()
                    .filter(|s| s.id != case.owner)
                    .filter(|s| {
                        matches!(
                            s.role,
                            Role::FrontDesk
                                | Role::ServiceSupervisor
                                | Role::CustomerServiceDirector
                                | Role::EstateManager
                        )
                    })
                    .collect();
                form.choices.push(choice(
                    Msg("移交给", "移交給", "To"),
                    takers.iter().map(|s| s.name.clone()).collect(),
                ));
                form.values = takers.iter().map(|s| s.id.clone()).collect();
                form.text_label = words(Msg("交接说明", "交接說明", "A note for them"));
            }
            DeskAction::ReferDeveloper => {
                form.text_label = words(Msg("协商记录", "協商記錄", "The joint record"))
            }
            DeskAction::DeveloperReply => {
                form.text_label = words(Msg("开发商答复", "開發商答覆", "The developer's reply"))
            }
            other => return Err(format!("{} has no form", other.code())),
        }
        Ok(form)
    }

    /// The action the form records, or what is still missing, in the screen's language.
    pub fn action(&self, now: DateTime<Utc>, lang: Lang) -> Result<Action, String> {
        let missing = |what: &str| match lang {
            Lang::En => format!("Missing: {}", what.to_lowercase()),
            Lang::ZhTw => format!("請填寫：{what}"),
            Lang::ZhCn => format!("请填写：{what}"),
        };
        for c in &self.choices {
            if c.chosen.is_none() && !c.optional {
                return Err(missing(&c.label));
            }
        }
        let text = self.text.trim().to_string();
        if self.text_required && text.is_empty() {
            return Err(missing(self.text_label.as_deref().unwrap_or_default()));
        }
        let pick = |i: usize| self.choices.get(i).and_then(|c| c.chosen);
        let first = pick(0).unwrap_or(0);
        Ok(match self.action {
            DeskAction::Reply => Action::Reply { method: REPLY_METHODS[first.min(2)].0, text },
            DeskAction::Classify => {
                let complaint_class = pick(0).and_then(|i| CLASSES.get(i)).map(|(c, _)| *c);
                let severity = pick(1).and_then(|i| crate::domain::intake::Severity::ALL.get(i)).copied();
                if complaint_class.is_none() && severity.is_none() {
                    return Err(missing(&self.choices[0].label));
                }
                Action::Classify { complaint_class, severity, department: None }
            }
            DeskAction::Plan => Action::Plan { plan: text },
            DeskAction::Note => Action::Note { text },
            DeskAction::Promise => {
                let days = PROMISE_DAYS.get(first).map_or(1, |(d, _)| *d);
                Action::Promise { due: now + Duration::days(days), reason: text }
            }
            DeskAction::Pause => Action::Pause { reason: PAUSE_REASONS[first.min(2)], note: text },
            DeskAction::Escalate => Action::Escalate { to: TARGETS[first.min(3)].0, reason: text },
            DeskAction::Link => {
                let typed = (!text.is_empty()).then_some(text);
                let chosen = pick(0).and_then(|i| self.values.get(i)).cloned();
                match typed.or(chosen) {
                    Some(primary_ticket) => Action::Link { primary_ticket },
                    None => return Err(missing(self.text_label.as_deref().unwrap_or_default())),
                }
            }
            DeskAction::Decide => Action::Decide { adopted: first == 0, reason: text },
            DeskAction::Reopen => Action::Reopen { reason: text },
            DeskAction::HandOver => match self.values.get(first) {
                Some(to) => Action::HandOver { to: to.clone(), note: text },
                None => return Err(missing(&self.choices[0].label)),
            },
            DeskAction::ReferDeveloper => Action::ReferDeveloper { record: text },
            DeskAction::Review => {
                let round =
                    self.values.first().and_then(|r| r.parse().ok()).ok_or("no callback to review")?;
                Action::Review { round, opinion: text }
            }
            DeskAction::DeveloperReply => Action::DeveloperReply { text },
            other => return Err(format!("{} has no form", other.code())),
        })
    }
}
