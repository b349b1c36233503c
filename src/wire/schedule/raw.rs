//! The document's raw shapes and the serde visitors that fill them in one pass over the text:
//! what is not an object is named (not an error yet), a doctor's object is kept as its text,
//! and cells are read as they come. The parent module assembles these into an [`Outline`].
//!
//! [`Outline`]: super::Outline

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::{read_cell, Cell};
use crate::wire::scalar::{
    Key, ObjectOr, ObjectOrVisitor, Scalar, BOOLEAN, NULL, NUMBER, OBJECT, STRING,
};

pub(super) enum Top<'a> {
    One(RawDoc<'a>),
    Many(Vec<ObjectOr<RawDoc<'a>>>),
    Other(&'static str),
}

#[derive(Default)]
pub(super) struct RawDoc<'a> {
    pub(super) names: Names<'a>,
    pub(super) data: Option<ObjectOr<RawData<'a>>>,
    pub(super) data_twice: bool,
    pub(super) schedule: Option<Box<Top<'a>>>,
}

pub(super) type RawFilial<'a> = Vec<(Cow<'a, str>, &'a RawValue)>;
pub(super) type RawData<'a> = Vec<(Cow<'a, str>, ObjectOr<RawFilial<'a>>)>;

#[derive(Default)]
pub(super) struct RawDoctor<'a> {
    pub(super) efio: Option<Scalar<'a>>,
    pub(super) espec: Option<Scalar<'a>>,
    pub(super) cells: Option<RawCells<'a>>,
}

pub(super) enum RawCells<'a> {
    List {
        cells: Vec<Cell<'a>>,
        /// The bad cells: index, field suffix, reason.
        bad: Vec<(usize, &'static str, String)>,
    },
    Other(&'static str),
}

pub(super) type Names<'a> = Vec<(Cow<'a, str>, Cow<'a, str>)>;

pub(super) struct TopVisitor;

impl<'de> Visitor<'de> for TopVisitor {
    type Value = Top<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a schedule document")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        DocVisitor.visit_map(map).map(Top::One)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut docs = Vec::new();
        while let Some(d) = seq.next_element_seed(ObjectSeed(DocVisitor))? {
            docs.push(d);
        }
        Ok(Top::Many(docs))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Top::Other(BOOLEAN))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Top::Other(NUMBER))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Top::Other(NUMBER))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Top::Other(NUMBER))
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Top::Other(STRING))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Top::Other(NULL))
    }
}

/// Deserializes "an object read by V, or anything else named".
pub(super) struct ObjectSeed<V>(pub(super) V);

impl<'de, V: Visitor<'de>> DeserializeSeed<'de> for ObjectSeed<V> {
    type Value = ObjectOr<V::Value>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(ObjectOrVisitor(self.0))
    }
}

/// Deserializes with a visitor (any JSON value).
pub(super) struct AnySeed<V>(V);

impl<'de, V: Visitor<'de>> DeserializeSeed<'de> for AnySeed<V> {
    type Value = V::Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self.0)
    }
}

pub(super) struct DocVisitor;

impl<'de> Visitor<'de> for DocVisitor {
    type Value = RawDoc<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a schedule object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut doc = RawDoc::default();
        while let Some(Key(k)) = map.next_key::<Key>()? {
            match &*k {
                "data" => {
                    doc.data_twice |= doc.data.is_some();
                    doc.data = Some(map.next_value_seed(ObjectSeed(PairsVisitor(|| {
                        ObjectSeed(PairsVisitor(PhantomData::<&'de RawValue>::default))
                    })))?)
                }
                "schedule" => {
                    doc.schedule = Some(Box::new(map.next_value_seed(AnySeed(TopVisitor))?))
                }
                _ => {
                    if let Scalar::Str(name) = map.next_value::<Scalar>()? {
                        doc.names.push((k, name));
                    }
                }
            }
        }
        Ok(doc)
    }
}

/// An object read as `(key, value)` pairs in document order, each value by a fresh seed.
pub(super) struct PairsVisitor<F>(F);

impl<'de, F, S> Visitor<'de> for PairsVisitor<F>
where
    F: Fn() -> S,
    S: DeserializeSeed<'de>,
{
    type Value = Vec<(Cow<'de, str>, S::Value)>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(Key(k)) = map.next_key::<Key>()? {
            out.push((k, map.next_value_seed((self.0)())?));
        }
        Ok(out)
    }
}

pub(super) struct DoctorVisitor;

impl<'de> Visitor<'de> for DoctorVisitor {
    type Value = RawDoctor<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a doctor object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut d = RawDoctor::default();
        while let Some(Key(k)) = map.next_key::<Key>()? {
            match &*k {
                "efio" => d.efio = Some(map.next_value()?),
                "espec" => d.espec = Some(map.next_value()?),
                "cells" => d.cells = Some(map.next_value_seed(AnySeed(CellsVisitor))?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(d)
    }
}

pub(super) struct CellsVisitor;

impl<'de> Visitor<'de> for CellsVisitor {
    type Value = RawCells<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of cells")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut cells = Vec::with_capacity(seq.size_hint().unwrap_or(64));
        let mut bad = Vec::new();
        let mut i = 0usize;
        while let Some(raw) = seq.next_element_seed(ObjectSeed(CellVisitor))? {
            let res = match raw {
                ObjectOr::Object(fields) => read_cell(fields, i as u32),
                ObjectOr::Other(kind) => {
                    Err(("", format!("ожидался объект ячейки, получено: {kind}")))
                }
            };
            match res {
                Ok(c) => cells.push(c),
                Err((field, reason)) => bad.push((i, field, reason)),
            }
            i += 1;
        }
        Ok(RawCells::List { cells, bad })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(RawCells::Other(OBJECT))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(RawCells::Other(BOOLEAN))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(RawCells::Other(NUMBER))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(RawCells::Other(NUMBER))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(RawCells::Other(NUMBER))
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(RawCells::Other(STRING))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(RawCells::Other(NULL))
    }
}

#[derive(Default)]
pub(super) struct RawCellFields<'a> {
    pub(super) dt: Option<Scalar<'a>>,
    pub(super) time_start: Option<Scalar<'a>>,
    pub(super) time_end: Option<Scalar<'a>>,
    pub(super) free: Option<Scalar<'a>>,
    pub(super) room: Option<Scalar<'a>>,
}

pub(super) struct CellVisitor;

impl<'de> Visitor<'de> for CellVisitor {
    type Value = RawCellFields<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a cell object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut c = RawCellFields::default();
        while let Some(Key(k)) = map.next_key::<Key>()? {
            let slot = match &*k {
                "dt" => &mut c.dt,
                "time_start" => &mut c.time_start,
                "time_end" => &mut c.time_end,
                "free" => &mut c.free,
                "room" => &mut c.room,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            *slot = Some(map.next_value()?);
        }
        Ok(c)
    }
}
