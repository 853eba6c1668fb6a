//! Saved-search ids by slot and slots by id, compactly: a million ids cost their bytes
//! in one buffer, eight bytes of span each and four bytes of table each, where a
//! string map would cost about sixty.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;

/// The span of a free slot.
const DEAD: (u32, u32) = (u32::MAX, 0);
const EMPTY: u32 = u32::MAX;

/// Ids kept end to end in one buffer (`spans` says where each slot's is), found again
/// through an open-addressing table of slot numbers (linear probing, deletion by
/// shifting back, so no tombstones pile up).
pub(super) struct SlotIds {
    /// Kept as text so that reading an id back needs no UTF-8 check.
    text: String,
    spans: Vec<(u32, u32)>,
    /// Bytes of ids removed since the buffer was last compacted.
    garbage: usize,
    table: Vec<u32>,
    live: usize,
    /// Seeded per process, so that nobody can choose ids that collide.
    hasher: RandomState,
}

impl Default for SlotIds {
    fn default() -> Self {
        SlotIds {
            text: String::new(),
            spans: Vec::new(),
            garbage: 0,
            table: vec![EMPTY; 16],
            live: 0,
            hasher: RandomState::new(),
        }
    }
}

impl SlotIds {
    pub(super) fn len(&self) -> usize {
        self.live
    }

    /// The id in `slot`, or "" for a free slot.
    pub(super) fn id(&self, slot: u32) -> &str {
        let Some(&(start, len)) = self.spans.get(slot as usize) else {
            return "";
        };
        if (start, len) == DEAD {
            return "";
        }
        let (start, end) = (start as usize, start as usize + len as usize);
        self.text.get(start..end).unwrap_or("")
    }

    fn home(&self, id: &str) -> usize {
        (self.hasher.hash_one(id) as usize) & (self.table.len() - 1)
    }

    /// The table position holding `id`'s slot.
    fn position(&self, id: &str) -> Option<usize> {
        let mask = self.table.len() - 1;
        let mut at = self.home(id);
        loop {
            let slot = *self.table.get(at)?;
            if slot == EMPTY {
                return None;
            }
            if self.id(slot) == id {
                return Some(at);
            }
            at = (at + 1) & mask;
        }
    }

    #[cfg(test)]
    pub(super) fn get(&self, id: &str) -> Option<u32> {
        self.position(id).and_then(|at| self.table.get(at).copied())
    }

    /// Records `id` in the free `slot`; the id must not be held already.
    pub(super) fn insert(&mut self, slot: u32, id: &str) {
        if (self.live + 1) * 2 > self.table.len() {
            self.resize(self.table.len() * 2);
        }
        let start = u32::try_from(self.text.len()).unwrap_or(u32::MAX);
        self.text.push_str(id);
        let span = (start, u32::try_from(id.len()).unwrap_or(u32::MAX));
        if self.spans.len() <= slot as usize {
            self.spans.resize(slot as usize + 1, DEAD);
        }
        if let Some(entry) = self.spans.get_mut(slot as usize) {
            *entry = span;
        }
        self.place(slot);
        self.live += 1;
    }

    fn place(&mut self, slot: u32) {
        let mask = self.table.len() - 1;
        let mut at = self.home(self.id(slot));
        while let Some(entry) = self.table.get_mut(at) {
            if *entry == EMPTY {
                *entry = slot;
                return;
            }
            at = (at + 1) & mask;
        }
    }

    fn resize(&mut self, size: usize) {
        let slots: Vec<u32> = self.table.iter().copied().filter(|s| *s != EMPTY).collect();
        self.table = vec![EMPTY; size.max(16)];
        for slot in slots {
            self.place(slot);
        }
    }

    /// Forgets `id` and returns the slot it was in.
    pub(super) fn remove(&mut self, id: &str) -> Option<u32> {
        let mut hole = self.position(id)?;
        let slot = *self.table.get(hole)?;
        let mask = self.table.len() - 1;
        // Shift back every entry of the probe run that could live in the hole.
        let mut at = hole;
        loop {
            at = (at + 1) & mask;
            let Some(&next) = self.table.get(at) else {
                break;
            };
            if next == EMPTY {
                break;
            }
            let home = self.home(self.id(next));
            let reachable = if hole <= at {
                home <= hole || home > at
            } else {
                home <= hole && home > at
            };
            if reachable {
                if let Some(entry) = self.table.get_mut(hole) {
                    *entry = next;
                }
                hole = at;
            }
        }
        if let Some(entry) = self.table.get_mut(hole) {
            *entry = EMPTY;
        }
        if let Some(span) = self.spans.get_mut(slot as usize) {
            self.garbage += span.1 as usize;
            *span = DEAD;
        }
        self.live -= 1;
        if self.garbage > (1 << 16) && self.garbage * 2 > self.text.len() {
            self.compact();
        }
        Some(slot)
    }

    fn compact(&mut self) {
        let mut text = String::with_capacity(self.text.len() - self.garbage);
        for span in &mut self.spans {
            if *span == DEAD {
                continue;
            }
            let (start, end) = (span.0 as usize, span.0 as usize + span.1 as usize);
            let new_start = u32::try_from(text.len()).unwrap_or(u32::MAX);
            text.push_str(self.text.get(start..end).unwrap_or_default());
            span.0 = new_start;
        }
        self.text = text;
        self.garbage = 0;
    }

    /// Moves the ids to new slot numbers: the id of slot `order[n]` goes to slot `n`,
    /// laid out in that order in a buffer of exactly the right size.
    pub(super) fn renumber(&mut self, order: &[u32]) {
        let total: usize = order
            .iter()
            .filter_map(|slot| self.spans.get(*slot as usize))
            .map(|span| span.1 as usize)
            .sum();
        let mut text = String::with_capacity(total);
        let mut spans = Vec::with_capacity(order.len());
        for slot in order {
            let id = self.id(*slot);
            spans.push((
                u32::try_from(text.len()).unwrap_or(u32::MAX),
                u32::try_from(id.len()).unwrap_or(u32::MAX),
            ));
            text.push_str(id);
        }
        self.text = text;
        self.spans = spans;
        self.garbage = 0;
        self.table.fill(EMPTY);
        for slot in 0..order.len() {
            self.place(u32::try_from(slot).unwrap_or(u32::MAX));
        }
    }

    pub(super) fn shrink_to_fit(&mut self) {
        if self.garbage > 0 {
            self.compact();
        }
        self.text.shrink_to_fit();
        self.spans.shrink_to_fit();
    }

    pub(super) fn bytes(&self) -> usize {
        self.text.capacity()
            + self.spans.capacity() * std::mem::size_of::<(u32, u32)>()
            + self.table.capacity() * std::mem::size_of::<u32>()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::SlotIds;

    /// Many inserts and removals in a scrambled order, checked against a plain map.
    #[test]
    fn slots_are_found_by_id_through_growth_and_removals() {
        let mut ids = SlotIds::default();
        let mut reference = std::collections::HashMap::new();
        let mut free: Vec<u32> = Vec::new();
        let mut next_slot = 0u32;
        let mut state = 0x9e37_79b9_u64;
        for step in 0..20_000u64 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let id = format!("search-{}", (state >> 33) % 3_000);
            if let Some(slot) = reference.remove(&id) {
                assert_eq!(ids.remove(&id), Some(slot), "step {step}");
                free.push(slot);
            } else {
                let slot = free.pop().unwrap_or_else(|| {
                    next_slot += 1;
                    next_slot - 1
                });
                ids.insert(slot, &id);
                reference.insert(id, slot);
            }
            assert_eq!(ids.len(), reference.len());
        }
        for (id, slot) in &reference {
            assert_eq!(ids.get(id), Some(*slot));
            assert_eq!(ids.id(*slot), id);
        }
        assert_eq!(ids.get("search-absent"), None);
    }
}
