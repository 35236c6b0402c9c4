//! Words the kiosk's Rust side puts on screen (titles, messages, timelines), in the three
//! languages. Fixed labels live in the .slint files behind `@tr` and the .po catalogues.

use crate::domain::intake::Lang;

/// One message in zh-CN, zh-TW and English.
#[derive(Clone, Copy, Debug)]
pub struct Msg(pub &'static str, pub &'static str, pub &'static str);

impl Msg {
    pub fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::ZhCn => self.0,
            Lang::ZhTw => self.1,
            Lang::En => self.2,
        }
    }
}

pub const TITLE_REPAIR: Msg = Msg("报修", "報修", "Repair");
pub const TITLE_COMPLAINT: Msg = Msg("投诉", "投訴", "Complaint");
pub const TITLE_SUGGESTION: Msg = Msg("建议", "建議", "Suggestion");
pub const TITLE_PLACE: Msg = Msg("在哪里？", "在哪裡？", "Where?");
pub const TITLE_DETAILS: Msg = Msg("什么问题？", "什麼問題？", "What is the problem?");
pub const TITLE_DETAILS_SUGGESTION: Msg = Msg("您的建议", "您的建議", "Your suggestion");
pub const TITLE_VISIT: Msg = Msg("上门时间", "上門時間", "When can we visit?");
pub const TITLE_EMERGENCY_CONFIRM: Msg = Msg("请确认紧急情况", "請確認緊急情況", "Confirm the emergency");
pub const TITLE_CONTACT: Msg = Msg("怎么联系您？", "怎麼聯繫您？", "How can we reach you?");
pub const TITLE_REVIEW: Msg = Msg("确认提交", "確認提交", "Check and submit");
pub const TITLE_TICKET: Msg = Msg("受理单", "受理單", "Your ticket");
pub const TITLE_EMERGENCY: Msg = Msg("紧急情况", "緊急情況", "Emergency");
pub const TITLE_LOOKUP: Msg = Msg("查询进度", "查詢進度", "Check progress");
pub const TITLE_INQUIRY: Msg = Msg("咨询", "諮詢", "Inquiry");
pub const TITLE_PRAISE: Msg = Msg("表扬", "表揚", "Praise");
/// After staff filed a case at the desk.
pub const DESK_FILED: Msg = Msg("已登记 {}", "已登記 {}", "Filed {}");
pub const TITLE_STAFF_CASE: Msg = Msg("事项详情", "事項詳情", "Case");
pub const TITLE_STAFF_CALLBACK: Msg = Msg("回访记录", "回訪記錄", "Callback record");
pub const TITLE_STAFF_SIGN_IN: Msg = Msg("工作人员登录", "工作人員登入", "Staff sign-in");
pub const TITLE_STAFF: Msg = Msg("前台工作台", "前台工作台", "Front desk");

pub const LABEL_KIND: Msg = Msg("类别", "類別", "Kind");
pub const LABEL_PLACE: Msg = Msg("地点", "地點", "Place");
pub const LABEL_TEXT: Msg = Msg("问题", "問題", "Problem");
pub const LABEL_PHONE: Msg = Msg("电话", "電話", "Phone");
pub const LABEL_NAME: Msg = Msg("姓名", "姓名", "Name");
pub const LABEL_VISIT: Msg = Msg("上门时间", "上門時間", "Visit");
pub const ANONYMOUS: Msg = Msg("匿名（不回访）", "匿名（不回訪）", "Anonymous (no callback)");

pub const ERR_ROOM: Msg = Msg("请填写楼栋和房号", "請填寫樓棟和房號", "Please enter the building and room");
pub const ERR_AREA: Msg = Msg("请选择一个公共区域", "請選擇一個公共區域", "Please choose a public area");
pub const ERR_TEXT: Msg =
    Msg("请简单描述一下问题", "請簡單描述一下問題", "Please describe the problem briefly");
pub const ERR_PHONE: Msg = Msg(
    "手机号不正确：请输入11位手机号，或带区号的座机号",
    "手機號不正確：請輸入11位手機號，或帶區號的座機號",
    "That phone number is not valid: enter an 11-digit mobile or a landline with its area code",
);
pub const ERR_SAVE: Msg = Msg(
    "暂时无法提交，请稍后再试或联系前台",
    "暫時無法提交，請稍後再試或聯繫前台",
    "Could not submit just now; please try again or ask the front desk",
);

pub const PRINTING: Msg = Msg("正在打印受理单……", "正在列印受理單……", "Printing your ticket…");
pub const PRINTED: Msg =
    Msg("受理单已打印，请取走。", "受理單已列印，請取走。", "Your ticket is printed; please take it.");
pub const PRINT_SENT: Msg = Msg(
    "受理单已送往打印机，请取走。",
    "受理單已送往印表機，請取走。",
    "Your ticket was sent to the printer; please take it.",
);
pub const PRINT_PROBLEM: Msg = Msg(
    "打印机暂时无法打印（{}）。您的事项已登记，单号如上，可拍照记下；受理单不会稍后在这里自动打出，请到前台补打。",
    "印表機暫時無法列印（{}）。您的事項已登記，單號如上，可拍照記下；受理單不會稍後在這裡自動印出，請到前台補印。",
    "Printer problem ({}). Your case is saved: note the number above. The ticket will not print here later; the front desk has it.",
);
pub const REPRINT_LATE: Msg = Msg(
    "如需再打印，请到前台补打。",
    "如需再列印，請到前台補打。",
    "For another copy, please ask the front desk.",
);

pub const LOOKUP_WRONG: Msg = Msg(
    "单号或手机后4位不正确，请核对后再试",
    "單號或手機後4位不正確，請核對後再試",
    "The ticket number or the last 4 digits are not right; please check and try again",
);
pub const LOOKUP_LOCKED: Msg = Msg(
    "尝试次数过多，请{}分钟后再试，或到前台查询",
    "嘗試次數過多，請{}分鐘後再試，或到前台查詢",
    "Too many tries; please try again in {} minutes or ask the front desk",
);
pub const LOOKUP_PAUSE: Msg = Msg(
    "尝试次数过多，请{}秒后再试，或到前台查询",
    "嘗試次數過多，請{}秒後再試，或到前台查詢",
    "Too many tries; please try again in {} seconds or ask the front desk",
);
pub const STAFF_CALLED: Msg = Msg(
    "已呼叫前台，工作人员马上就来。",
    "已呼叫前台，工作人員馬上就來。",
    "The front desk has been called; staff are on their way.",
);
pub const PIN_WRONG: Msg =
    Msg("密码不正确，还可尝试 {} 次", "密碼不正確，還可嘗試 {} 次", "Wrong PIN; {} tries left");
pub const PIN_LOCKED: Msg = Msg(
    "密码错误次数过多，请 {} 秒后再试",
    "密碼錯誤次數過多，請 {} 秒後再試",
    "Too many wrong PINs; try again in {} seconds",
);
pub const PIN_NO_ACCOUNTS: Msg = Msg(
    "本机尚未设置工作人员账号，请联系物业管理员",
    "本機尚未設定工作人員帳號，請聯繫物業管理員",
    "No staff accounts are set up on this kiosk; please ask the estate's administrator",
);
/// Recorded on an emergency case when the front desk acknowledges its alert.
pub const ACK_NOTE: Msg =
    Msg("前台已确认紧急提醒", "前台已確認緊急提醒", "Front desk acknowledged the alert");
/// Recorded on an emergency case when the staff screen says someone is on site.
pub const ON_SITE_NOTE: Msg = Msg("前台登记已到场", "前台登記已到場", "On site, recorded at the front desk");
pub const ON_SITE_LEFT: Msg =
    Msg("已确认，{} 分钟内须到场", "已確認，{} 分鐘內須到場", "Acknowledged: on site within {} min");
pub const ON_SITE_LATE: Msg =
    Msg("已超过到场时限 {} 分钟", "已超過到場時限 {} 分鐘", "On-site time passed {} min ago");
pub const ALERT_CALL: Msg = Msg("大堂呼叫前台", "大堂呼叫前台", "Call from the lobby");
pub const ALERT_EMERGENCY: Msg = Msg("紧急报修 {}", "緊急報修 {}", "Emergency: {}");
pub const RATED_THANKS: Msg = Msg("感谢您的评价！", "感謝您的評價！", "Thank you for your rating!");
pub const RATED_REOPENED: Msg = Msg(
    "感谢反馈，我们会重新处理并再次与您联系。",
    "感謝回饋，我們會重新處理並再次與您聯繫。",
    "Thank you; we will work on it again and contact you.",
);

/// What to do now, per hazard (the seeds' emergency procedures and common sense).
pub fn emergency_steps(category: &str) -> &'static [Msg] {
    match category {
        "fire" => &[
            Msg(
                "立即离开，走楼梯，不要乘电梯",
                "立即離開，走樓梯，不要乘電梯",
                "Leave now by the stairs, not the lift",
            ),
            Msg("拨打119报警", "撥打119報警", "Call 119 (fire service)"),
            Msg(
                "有烟时用湿毛巾捂住口鼻，弯腰低姿前进",
                "有煙時用濕毛巾捂住口鼻，彎腰低姿前進",
                "In smoke, cover your mouth with a wet cloth and keep low",
            ),
            Msg(
                "到室外安全处等候工作人员",
                "到室外安全處等候工作人員",
                "Wait for staff somewhere safe outside",
            ),
        ],
        "gas" => &[
            Msg(
                "不要开关任何电器和电灯，不要用明火",
                "不要開關任何電器和電燈，不要用明火",
                "Do not switch anything on or off; no flames",
            ),
            Msg("打开门窗通风", "打開門窗通風", "Open doors and windows"),
            Msg(
                "能安全操作时关闭燃气阀门",
                "能安全操作時關閉燃氣閥門",
                "Close the gas valve if it is safe to",
            ),
            Msg(
                "离开房间，到室外再打电话",
                "離開房間，到室外再打電話",
                "Leave, and make calls only once outside",
            ),
        ],
        "elevator-trapped" => &[
            Msg(
                "保持冷静，不要扒门或爬出轿厢",
                "保持冷靜，不要扒門或爬出轎廂",
                "Stay calm; do not force the doors or climb out",
            ),
            Msg(
                "按下电梯内的警铃或对讲按钮",
                "按下電梯內的警鈴或對講按鈕",
                "Press the alarm or intercom button in the lift",
            ),
            Msg(
                "等候工作人员救援，有人不适请拨打120",
                "等候工作人員救援，有人不適請撥打120",
                "Wait for rescue; if anyone feels unwell call 120",
            ),
        ],
        "flood" => &[
            Msg("远离积水和电源插座", "遠離積水和電源插座", "Keep away from the water and from sockets"),
            Msg(
                "能安全操作时关闭入户总水阀",
                "能安全操作時關閉入戶總水閥",
                "Close the main water valve if it is safe to",
            ),
            Msg(
                "把电器和贵重物品移到高处",
                "把電器和貴重物品移到高處",
                "Move appliances and valuables up high",
            ),
        ],
        "power-cut" => &[
            Msg(
                "关闭大功率电器，防止来电时跳闸",
                "關閉大功率電器，防止來電時跳閘",
                "Switch off big appliances before power returns",
            ),
            Msg(
                "不要自行打开配电箱检修",
                "不要自行打開配電箱檢修",
                "Do not open the distribution box yourself",
            ),
            Msg(
                "有人被困电梯请告诉工作人员",
                "有人被困電梯請告訴工作人員",
                "Tell staff if anyone is stuck in a lift",
            ),
        ],
        _ => &[
            Msg("保持冷静，远离危险区域", "保持冷靜，遠離危險區域", "Stay calm and keep away from danger"),
            Msg(
                "如有人受伤或被困，先拨打紧急电话",
                "如有人受傷或被困，先撥打緊急電話",
                "If anyone is hurt or trapped, call the emergency number first",
            ),
            Msg("在安全处等候工作人员", "在安全處等候工作人員", "Wait for staff somewhere safe"),
        ],
    }
}

/// The last choice of the emergency place list, when none of the others is right.
pub const ELSEWHERE: Msg = Msg("其他地方", "其他地方", "Somewhere else");
/// The lift, when the estate has not listed its lifts.
pub const A_LIFT: Msg = Msg("电梯", "電梯", "A lift");
/// The emergency tile among the repair categories.
pub const EMERGENCY_TILE: Msg = Msg("紧急情况", "緊急情況", "Emergency");

/// A mark for each category's tile, distinct within its kind (Chinese screens only).
pub fn badge(category: &str, lang: Lang) -> &'static str {
    let mark = match category {
        "water" => Msg("水", "水", ""),
        "electric" => Msg("电", "電", ""),
        "door-lock" => Msg("锁", "鎖", ""),
        "elevator" => Msg("梯", "梯", ""),
        "public-facility" => Msg("公", "公", ""),
        "leak" => Msg("漏", "漏", ""),
        "repair-other" => Msg("修", "修", ""),
        "flood" => Msg("浸", "浸", ""),
        "power-cut" => Msg("停", "停", ""),
        "elevator-trapped" => Msg("困", "困", ""),
        "gas" => Msg("气", "氣", ""),
        "fire" => Msg("火", "火", ""),
        "emergency" => Msg("急", "急", ""),
        "attitude" => Msg("态", "態", ""),
        "cleaning" => Msg("洁", "潔", ""),
        "security" => Msg("安", "安", ""),
        "noise" => Msg("噪", "噪", ""),
        "parking" => Msg("车", "車", ""),
        "greening" => Msg("绿", "綠", ""),
        "fees" => Msg("费", "費", ""),
        "quality" => Msg("质", "質", ""),
        "external" => Msg("外", "外", ""),
        "complaint-other" => Msg("他", "他", ""),
        "suggestion" => Msg("议", "議", ""),
        _ => Msg("", "", ""),
    };
    mark.get(lang)
}

/// Public areas a resident can pick.
pub const AREAS: [Msg; 8] = [
    Msg("大堂", "大堂", "Lobby"),
    Msg("电梯", "電梯", "Elevator"),
    Msg("楼道", "樓道", "Stairwell"),
    Msg("地下车库", "地下車庫", "Car park"),
    Msg("中心花园", "中心花園", "Garden"),
    Msg("小区大门", "小區大門", "Main gate"),
    Msg("会所", "會所", "Clubhouse"),
    Msg("垃圾站", "垃圾站", "Bin store"),
];

/// When a repair visit suits the resident.
pub const VISIT_WINDOWS: [Msg; 5] = [
    Msg("尽快", "盡快", "As soon as possible"),
    Msg("今天", "今天", "Today"),
    Msg("明天上午", "明天上午", "Tomorrow morning"),
    Msg("明天下午", "明天下午", "Tomorrow afternoon"),
    Msg("周末", "週末", "Weekend"),
];

/// Quick phrases per category: tap to add instead of typing.
pub fn phrases(category: &str) -> &'static [Msg] {
    match category {
        "water" => &[
            Msg("漏水", "漏水", "leaking"),
            Msg("不出水", "不出水", "no water"),
            Msg("水压小", "水壓小", "low pressure"),
            Msg("下水道堵塞", "下水道堵塞", "drain blocked"),
        ],
        "electric" => &[
            Msg("没电", "沒電", "no power"),
            Msg("跳闸", "跳閘", "breaker tripped"),
            Msg("插座没电", "插座沒電", "socket dead"),
            Msg("灯不亮", "燈不亮", "light out"),
        ],
        "door-lock" => &[
            Msg("门锁坏了", "門鎖壞了", "lock broken"),
            Msg("门关不上", "門關不上", "door won't close"),
            Msg("门禁失灵", "門禁失靈", "entry system down"),
        ],
        "elevator" => &[
            Msg("电梯异响", "電梯異響", "strange noise"),
            Msg("电梯停运", "電梯停運", "not running"),
            Msg("按钮失灵", "按鈕失靈", "buttons dead"),
        ],
        "public-facility" => &[
            Msg("路灯不亮", "路燈不亮", "street light out"),
            Msg("设施损坏", "設施損壞", "damaged"),
            Msg("门禁损坏", "門禁損壞", "gate broken"),
        ],
        "leak" => &[
            Msg("天花板渗水", "天花板滲水", "ceiling leak"),
            Msg("墙面渗水", "牆面滲水", "wall damp"),
            Msg("窗户漏雨", "窗戶漏雨", "window leaks"),
        ],
        "noise" => &[
            Msg("装修噪音", "裝修噪音", "renovation noise"),
            Msg("夜间噪音", "夜間噪音", "noise at night"),
            Msg("宠物吠叫", "寵物吠叫", "barking"),
        ],
        "parking" => &[
            Msg("车位被占", "車位被佔", "my space taken"),
            Msg("乱停车", "亂停車", "bad parking"),
            Msg("道闸故障", "道閘故障", "barrier broken"),
        ],
        "cleaning" => &[
            Msg("垃圾未清运", "垃圾未清運", "rubbish not collected"),
            Msg("楼道不干净", "樓道不乾淨", "stairwell dirty"),
            Msg("有异味", "有異味", "bad smell"),
        ],
        "security" => &[
            Msg("陌生人进入", "陌生人進入", "strangers getting in"),
            Msg("门岗无人", "門崗無人", "gate unmanned"),
            Msg("监控损坏", "監控損壞", "camera broken"),
        ],
        "greening" => &[
            Msg("树木需修剪", "樹木需修剪", "trees need trimming"),
            Msg("草坪缺损", "草坪缺損", "lawn damaged"),
        ],
        "fees" => {
            &[Msg("收费不清楚", "收費不清楚", "charges unclear"), Msg("多收费", "多收費", "overcharged")]
        }
        "attitude" => &[Msg("态度不好", "態度不好", "rude"), Msg("不理睬", "不理睬", "ignored me")],
        "suggestion" => &[
            Msg("增加快递柜", "增加快遞櫃", "more parcel lockers"),
            Msg("增设充电桩", "增設充電樁", "EV chargers"),
            Msg("增加儿童设施", "增加兒童設施", "children's play area"),
        ],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::category::Catalogue;
    use crate::domain::intake::Kind;

    /// A tile's mark tells it from its neighbours: distinct within a kind, in both scripts.
    #[test]
    fn category_badges_are_distinct_within_each_kind() {
        let catalogue = Catalogue::default();
        for kind in [Kind::Repair, Kind::Complaint, Kind::Suggestion] {
            for lang in [Lang::ZhCn, Lang::ZhTw] {
                let mut seen = std::collections::BTreeMap::new();
                for cat in catalogue.of_kind(kind).filter(|c| !c.staff_only) {
                    let mark = badge(&cat.code, lang);
                    assert!(!mark.is_empty(), "{} has no badge", cat.code);
                    if let Some(other) = seen.insert(mark, cat.code.clone()) {
                        panic!("{} and {other} share the badge {mark}", cat.code);
                    }
                }
            }
        }
    }
}
