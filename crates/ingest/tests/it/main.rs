//! Integration tests of the readers: hostile files (generated here, never stored in the
//! repository) read under a memory cap, each giving a clean error or quarantined rows that name
//! file, row, column and reason, with no row lost.

mod hostile;
