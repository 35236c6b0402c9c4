//! `lobbydesk hq migrate`: moves everything an HQ store holds into another (SQLite to
//! PostgreSQL as a group grows), keeping every event's arrival number so each kiosk pulls
//! on from where it was. Run it again after an interruption: what arrived is left alone.

use chrono::Utc;

use super::db::HqDatabase;
use crate::store::{Result, StoreError};

/// Events moved per transaction.
const BATCH: usize = 5000;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Moved {
    pub kiosks: usize,
    /// Events the target did not hold before.
    pub events: usize,
    /// Events the source holds (all of which the target now holds, in the same order).
    pub checked: usize,
    pub cases: u64,
    /// Residents' photos copied (issue 16).
    pub photos: usize,
}

/// Copies `from` into `to`, then checks that `to` holds every event of `from` under the
/// same arrival number. Stop the HQ nodes first: events arriving meanwhile would be missed.
pub async fn migrate(
    from: &dyn HqDatabase,
    to: &dyn HqDatabase,
    mut progress: impl FnMut(usize),
) -> Result<Moved> {
    let mut moved = Moved::default();
    let now = Utc::now();
    for (kiosk, hash) in from.kiosks().await? {
        to.add_kiosk(&kiosk.code, &kiosk.estate, &hash, now).await?;
        if kiosk.revoked {
            to.revoke_kiosk(&kiosk.code, now).await?;
        }
        moved.kiosks += 1;
    }
    let mut after = 0;
    loop {
        let batch = from.arrivals_after(after, BATCH).await?;
        let Some((last, _, _)) = batch.last() else { break };
        after = *last;
        // Residents' photos go before the events that name them.
        for (_, _, stored) in &batch {
            if let crate::domain::event::EventBody::PhotoAdded { photo } = &stored.event.body
                && let Some(photo) = from.photo(*photo).await?
            {
                to.save_photo(&photo).await?;
                moved.photos += 1;
            }
        }
        moved.events += to.import_arrivals(batch).await?;
        progress(moved.events);
    }
    // Both walked in arrival order, side by side.
    let (mut a, mut b) = (0, 0);
    loop {
        let source = from.arrivals_after(a, BATCH).await?;
        let target = to.arrivals_after(b, source.len().max(1)).await?;
        if source.is_empty() {
            break;
        }
        for (s, t) in source.iter().zip(&target) {
            if (s.0, s.2.event.id) != (t.0, t.2.event.id) {
                return Err(StoreError::BadRecord(format!(
                    "after moving, arrival {} is event {} in {} but {} {} in {}: nothing was deleted; find out which store was written meanwhile before starting HQ on the new one",
                    s.0,
                    s.2.event.id,
                    from.describe(),
                    t.0,
                    t.2.event.id,
                    to.describe()
                )));
            }
        }
        if target.len() < source.len() {
            return Err(StoreError::BadRecord(format!(
                "after moving, {} lacks events {} holds (from arrival {})",
                to.describe(),
                from.describe(),
                source[target.len()].0
            )));
        }
        moved.checked += source.len();
        a = source.last().map(|s| s.0).unwrap_or(a);
        b = target.last().map(|t| t.0).unwrap_or(b);
    }
    // The target's planner statistics, for the first lists and reports after a big move.
    to.refresh_statistics().await?;
    moved.cases = to.count_cases().await?;
    let held = from.count_cases().await?;
    if moved.cases < held {
        return Err(StoreError::BadRecord(format!(
            "after moving, {} holds {} cases and {} holds {held}",
            to.describe(),
            moved.cases,
            from.describe()
        )));
    }
    Ok(moved)
}
