//! Session records kept in memory, keyed by session key: the store's fallback when IndexedDB
//! cannot be used, and its home for a record whose last write failed.
//!
//! A plain list searched linearly: a page holds a handful of sessions, and a `BTreeMap` here
//! cost about 7 KB of wasm. It does not persist anything or know what a record holds.

use wasm_bindgen::JsValue;

#[derive(Default)]
pub struct Memory(Vec<(String, JsValue)>);

impl Memory {
    pub fn get(&self, key: &str) -> Option<&JsValue> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn insert(&mut self, key: String, value: JsValue) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => *v = value,
            None => self.0.push((key, value)),
        }
    }

    pub fn remove(&mut self, key: &str) {
        self.0.retain(|(k, _)| k != key);
    }

    pub fn values(&self) -> impl Iterator<Item = &JsValue> {
        self.0.iter().map(|(_, v)| v)
    }
}
