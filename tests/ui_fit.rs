//! Every screen, resident and staff, at every panel size the kiosk supports (landscape and
//! portrait), in Chinese and English, with large text off and on: every control a person
//! needs lies wholly inside the window, is big enough to touch, overlaps nothing, and no
//! text runs out of the window or out of its button. Measured on the laid-out element
//! tree, not on screenshots.

use i_slint_backend_testing::{AccessibleRole, ElementHandle, ElementQuery};
use lobbydesk::domain::intake::Lang;
use lobbydesk::ui::screenshot::{Renderer, SCREENS, SIZES};
use slint::ComponentHandle;

/// 9 mm on a 7" 800×480 panel.
const MIN_TOUCH: f32 = 47.0;

#[derive(Clone, Copy, Debug)]
struct Rect {
    x0: f32,
    y0: f32,
    x1: f32,
    y1: f32,
}

impl Rect {
    fn of(e: &ElementHandle) -> Rect {
        let p = e.absolute_position();
        let s = e.size();
        Rect { x0: p.x, y0: p.y, x1: p.x + s.width, y1: p.y + s.height }
    }
    fn window(w: u32, h: u32) -> Rect {
        Rect { x0: 0.0, y0: 0.0, x1: w as f32, y1: h as f32 }
    }
    /// Inside `outer`, half a pixel of rounding allowed.
    fn inside(&self, outer: &Rect) -> bool {
        self.x0 >= outer.x0 - 0.5
            && self.y0 >= outer.y0 - 0.5
            && self.x1 <= outer.x1 + 0.5
            && self.y1 <= outer.y1 + 0.5
    }
    fn inside_horizontally(&self, outer: &Rect) -> bool {
        self.x0 >= outer.x0 - 0.5 && self.x1 <= outer.x1 + 0.5
    }
    fn overlaps(&self, other: &Rect) -> bool {
        let w = self.x1.min(other.x1) - self.x0.max(other.x0);
        let h = self.y1.min(other.y1) - self.y0.max(other.y0);
        w > 1.0 && h > 1.0
    }
    fn contains_center_of(&self, other: &Rect) -> bool {
        let (cx, cy) = ((other.x0 + other.x1) / 2.0, (other.y0 + other.y1) / 2.0);
        cx >= self.x0 && cx <= self.x1 && cy >= self.y0 && cy <= self.y1
    }
    fn empty(&self) -> bool {
        self.x1 - self.x0 < 1.0 || self.y1 - self.y0 < 1.0
    }
}

impl std::fmt::Display for Rect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "({:.0},{:.0})-({:.0},{:.0})", self.x0, self.y0, self.x1, self.y1)
    }
}

struct Item {
    label: String,
    rect: Rect,
    /// The scrolling area it lies in: it may be scrolled into view vertically.
    scroller: Option<usize>,
}

fn key(e: &ElementHandle) -> String {
    let r = Rect::of(e);
    format!("{:?}{:?}{}{:?}", e.type_name(), e.id(), r, e.accessible_label())
}

fn is_control(e: &ElementHandle) -> bool {
    matches!(e.accessible_role(), Some(AccessibleRole::Button | AccessibleRole::TextInput))
}

fn is_text(e: &ElementHandle) -> bool {
    e.type_name().as_deref() == Some("Text")
}

/// What is wrong with the screen as laid out now in a `w`×`h` window.
fn problems(app: &lobbydesk::ui::AppWindow, (w, h): (u32, u32)) -> Vec<String> {
    let window = Rect::window(w, h);
    // With the "are you still there?" question up, only the question can be pressed.
    let root = ElementHandle::find_by_element_id(app, "AppWindow::idle-dialog")
        .next()
        .map(|d| d.query_descendants())
        .unwrap_or_else(|| ElementQuery::from_root(app));
    let elements = root.find_all();
    let scrollers: Vec<(Rect, std::collections::HashSet<String>)> = elements
        .iter()
        // A Flickable, or a component built on one (the desk's case lists).
        .filter(|e| {
            e.type_name().as_deref() == Some("Flickable")
                || e.bases().is_some_and(|mut b| b.any(|t| t.as_str() == "Flickable"))
        })
        .map(|f| (Rect::of(f), f.query_descendants().find_all().iter().map(key).collect()))
        .collect();
    let scroller_of = |e: &ElementHandle| {
        let k = key(e);
        scrollers.iter().position(|(_, keys)| keys.contains(&k))
    };
    let item = |e: &ElementHandle| Item {
        label: e.accessible_label().map(|l| l.to_string()).unwrap_or_default(),
        rect: Rect::of(e),
        scroller: scroller_of(e),
    };
    let controls: Vec<Item> = elements.iter().filter(|e| is_control(e)).map(item).collect();
    let texts: Vec<Item> =
        elements.iter().filter(|e| is_text(e)).map(item).filter(|t| !t.rect.empty()).collect();

    let mut out = Vec::new();
    let visible_area = |i: &Item| match i.scroller {
        Some(s) => i.rect.inside_horizontally(&scrollers[s].0) && scrollers[s].0.inside(&window),
        None => i.rect.inside(&window),
    };
    for (s, (rect, _)) in scrollers.iter().enumerate() {
        if !rect.inside(&window) {
            out.push(format!("scrolling area {s} {rect} is not inside the window"));
        }
    }
    for c in &controls {
        if c.label.trim().is_empty() {
            out.push(format!("a control at {} has no accessible label", c.rect));
        }
        if !visible_area(c) {
            out.push(format!("control {:?} {} leaves the window", c.label, c.rect));
        }
        let (cw, ch) = (c.rect.x1 - c.rect.x0, c.rect.y1 - c.rect.y0);
        if cw < MIN_TOUCH || ch < MIN_TOUCH {
            out.push(format!("control {:?} is {cw:.0}×{ch:.0} px, under {MIN_TOUCH} px", c.label));
        }
    }
    for (i, a) in controls.iter().enumerate() {
        for b in &controls[i + 1..] {
            if a.scroller == b.scroller && a.rect.overlaps(&b.rect) {
                out.push(format!("controls {:?} {} and {:?} {} overlap", a.label, a.rect, b.label, b.rect));
            }
        }
    }
    for t in &texts {
        if !visible_area(t) {
            out.push(format!("text {:?} {} leaves the window", t.label, t.rect));
        }
        if let Some(c) =
            controls.iter().find(|c| c.scroller == t.scroller && c.rect.contains_center_of(&t.rect))
            && !t.rect.inside(&c.rect)
        {
            out.push(format!(
                "text {:?} {} runs out of its control {:?} {}",
                t.label, t.rect, c.label, c.rect
            ));
        }
    }
    for (i, a) in texts.iter().enumerate() {
        for b in &texts[i + 1..] {
            if a.scroller == b.scroller && a.rect.overlaps(&b.rect) {
                out.push(format!("texts {:?} {} and {:?} {} overlap", a.label, a.rect, b.label, b.rect));
            }
        }
    }
    out
}

/// One test: the headless renderer owns this process's only Slint platform.
#[test]
fn every_screen_fits_every_panel_size_with_and_without_large_text() {
    let mut renderer = Renderer::new().unwrap();

    // The measure itself first: a screen that does not fit must be caught, or the sweep
    // below proves nothing. The contact page in a window far too short for it:
    renderer.stage_at("contact", Lang::ZhCn, (800, 200)).unwrap();
    let found = problems(renderer.app(), (800, 200));
    assert!(found.iter().any(|p| p.contains("下一步") && p.contains("leaves the window")), "{found:#?}");

    // Text a resident reads is at least 24 px on the 7" 800×480 panel (labels too: the
    // theme has one size for both).
    renderer.stage_at("home", Lang::ZhCn, (800, 480)).unwrap();
    let theme = renderer.app().global::<lobbydesk::ui::Theme>();
    assert!(theme.get_font_body() >= 24.0, "body text {} px", theme.get_font_body());

    let mut all = Vec::new();
    let mut checked = 0;
    for large in [false, true] {
        renderer.large_text = large;
        for screen in SCREENS {
            for lang in [Lang::ZhCn, Lang::En] {
                for size in SIZES {
                    renderer.stage_at(screen, lang, size).unwrap();
                    checked += 1;
                    for p in problems(renderer.app(), size) {
                        let text = if large { " large text" } else { "" };
                        all.push(format!("{screen} {} {}x{}{text}: {p}", lang.code(), size.0, size.1));
                    }
                }
            }
        }
    }
    assert_eq!(checked, SCREENS.len() * 2 * 2 * SIZES.len());
    let shown = all.iter().take(120).cloned().collect::<Vec<_>>().join("\n");
    assert!(all.is_empty(), "{} problems:\n{shown}", all.len());
}
