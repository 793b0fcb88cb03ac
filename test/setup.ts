// Frozen clock and timezone for every test (golden files must not depend on when they run).
process.env.TZ = 'UTC';
process.env.SOURCE_DATE_EPOCH ??= '1793491200'; // 2026-11-01T00:00:00Z
process.env.NO_COLOR = '1';
