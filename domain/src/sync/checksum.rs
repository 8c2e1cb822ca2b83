//! Checksums of a replica: what a device holds is compared with what the server says it should
//! hold, as a whole and by bucket of people, so that a divergence is found and repaired.

use uuid::Uuid;

use super::Record;

/// The replica is split in this many buckets by person, so that a divergence is repaired by
/// fetching only the people of the buckets that differ.
pub const BUCKETS: u8 = 16;

/// The bucket of a person: the first hex digit of their id (the same as the first character
/// of its text form, which the server filters on).
pub fn bucket_of(person_id: Uuid) -> u8 {
    person_id.as_bytes()[0] >> 4
}

/// The checksum of a set of records and of each of its buckets, from their buckets and
/// [`record_hash`]es.
pub fn checksums_of_hashes(hashes: impl IntoIterator<Item = (u8, u64)>) -> (String, Vec<String>) {
    let mut sums = vec![(0u64, 0u64); usize::from(BUCKETS)];
    let (mut count, mut sum) = (0u64, 0u64);
    for (bucket, hash) in hashes {
        let (c, s) = &mut sums[usize::from(bucket)];
        *c += 1;
        *s ^= hash;
        count += 1;
        sum ^= hash;
    }
    let buckets = sums
        .into_iter()
        .map(|(c, s)| format_checksum(c, s))
        .collect();
    (format_checksum(count, sum), buckets)
}

/// The checksum of each bucket of a set of records, bucket 0 first.
pub fn bucket_checksums<'a>(records: impl IntoIterator<Item = &'a Record>) -> Vec<String> {
    checksums(records).1
}

/// The [`checksum`] of a set of records and their [`bucket_checksums`], hashing each record
/// once.
pub fn checksums<'a>(records: impl IntoIterator<Item = &'a Record>) -> (String, Vec<String>) {
    checksums_of_hashes(records.into_iter().map(|r| (r.bucket(), record_hash(r))))
}

/// 64-bit FNV-1a: small, stable across platforms and versions (unlike `std`'s hasher).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The checksum of a set of records: the XOR of the hashes of their JSON form, so that it
/// does not depend on their order. Server and device compute it the same way.
pub fn checksum<'a>(records: impl IntoIterator<Item = &'a Record>) -> String {
    let mut sum = 0u64;
    let mut count = 0u64;
    for record in records {
        sum ^= record_hash(record);
        count += 1;
    }
    format_checksum(count, sum)
}

fn format_checksum(count: u64, sum: u64) -> String {
    format!("{count}-{sum:016x}")
}

/// The hash of one record in the checksums: FNV-1a of its JSON.
pub fn record_hash(record: &Record) -> u64 {
    // Serialising these plain types cannot fail.
    fnv1a(&serde_json::to_vec(record).unwrap_or_default())
}

/// The [`checksum`] of the records a series of changes leaves, each record counted in its
/// last version: what a device that applied them to an empty replica holds.
#[derive(Debug, Default)]
pub struct ChecksumBuilder {
    /// By record: its bucket and hash.
    hashes: std::collections::HashMap<(u8, Uuid), (u8, u64)>,
}

impl ChecksumBuilder {
    pub fn insert(&mut self, record: &Record) {
        self.hashes
            .insert(record.key(), (record.bucket(), record_hash(record)));
    }

    pub fn finish(&self) -> String {
        checksums_of_hashes(self.hashes.values().copied()).0
    }

    /// The checksum of each bucket, as [`bucket_checksums`].
    pub fn finish_buckets(&self) -> Vec<String> {
        checksums_of_hashes(self.hashes.values().copied()).1
    }

    /// Each record's key with its bucket and [`record_hash`].
    pub fn hashes(&self) -> impl Iterator<Item = ((u8, Uuid), (u8, u64))> + '_ {
        self.hashes.iter().map(|(key, hash)| (*key, *hash))
    }
}
