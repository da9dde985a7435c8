"""What tests and benchmarks share: paths, fakes, audio decoding and measuring, the
listening test, music files, the browser. Tests import these, never one another."""
