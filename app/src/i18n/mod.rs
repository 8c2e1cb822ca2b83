//! Text shown to users. French is the language of the product; every string lives in `fr`.

pub mod fr;
