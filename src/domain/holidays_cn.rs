//! China's public holidays and make-up working days (调休) as the State Council General
//! Office publishes them each year, shipped so that working days are right with no
//! configuration. `[calendar] holidays` / `workdays` add to these or override them; a
//! year not listed here falls back to weekends (`lobbydesk calendar check` says so).

/// One year's arrangement, from the notice named.
pub struct Arrangement {
    pub year: i32,
    /// The notice the dates are taken from.
    pub notice: &'static str,
    /// Days off: (month, first day, last day), each range within one month.
    pub off: &'static [(u32, u32, u32)],
    /// Make-up working days (weekend days worked): (month, day).
    pub on: &'static [(u32, u32)],
}

pub const ARRANGEMENTS: &[Arrangement] = &[
    Arrangement {
        year: 2025,
        notice: "国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号，2024年11月12日）",
        off: &[
            (1, 1, 1),   // 元旦
            (1, 28, 31), // 春节: 1月28日（除夕）至2月4日
            (2, 1, 4),
            (4, 4, 6),   // 清明节
            (5, 1, 5),   // 劳动节
            (5, 31, 31), // 端午节: 5月31日至6月2日
            (6, 1, 2),
            (10, 1, 8), // 国庆节、中秋节
        ],
        on: &[(1, 26), (2, 8), (4, 27), (9, 28), (10, 11)],
    },
    Arrangement {
        year: 2026,
        notice: "国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）",
        off: &[
            (1, 1, 3),   // 元旦
            (2, 15, 23), // 春节
            (4, 4, 6),   // 清明节
            (5, 1, 5),   // 劳动节
            (6, 19, 21), // 端午节
            (9, 25, 27), // 中秋节
            (10, 1, 7),  // 国庆节
        ],
        on: &[(1, 4), (2, 14), (2, 28), (5, 9), (9, 20), (10, 10)],
    },
];

pub fn arrangement(year: i32) -> Option<&'static Arrangement> {
    ARRANGEMENTS.iter().find(|a| a.year == year)
}
