/**
 * Exact java.time ↔ ISO-8601 text, without going through JS Date (which has no nanoseconds and a smaller range).
 * Output mirrors Java's `toString()` (LocalDate, LocalTime, LocalDateTime, Instant), so round trips are exact.
 */
import { HessianError } from './model.js';

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(z: number): { year: number; month: number; day: number } {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp + (mp < 10 ? 3 : -9);
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** Java `LocalDate.toString()`. */
export function formatLocalDate(year: number, month: number, day: number): string {
  let y: string;
  if (Math.abs(year) < 1000) y = (year < 0 ? '-' : '') + pad(Math.abs(year), 4);
  else y = (year > 9999 ? '+' : '') + String(year);
  return `${y}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** Java `LocalTime.toString()`: HH:mm, HH:mm:ss, or with 3/6/9 fraction digits. */
export function formatLocalTime(hour: number, minute: number, second: number, nano: number): string {
  let s = `${pad(hour, 2)}:${pad(minute, 2)}`;
  if (second > 0 || nano > 0) {
    s += `:${pad(second, 2)}`;
    if (nano > 0) s += '.' + fraction(nano);
  }
  return s;
}

function fraction(nano: number): string {
  if (nano % 1_000_000 === 0) return pad(nano / 1_000_000, 3);
  if (nano % 1000 === 0) return pad(nano / 1000, 6);
  return pad(nano, 9);
}

/** Java `Instant.toString()` (ISO_INSTANT: seconds always, fraction in groups of three). */
export function formatInstant(epochSeconds: bigint | number, nanos: number): string {
  let out = isoSeconds(BigInt(epochSeconds));
  if (nanos > 0) out += '.' + fraction(nanos);
  return out + 'Z';
}

/**
 * A `java.util.Date` (epoch milliseconds, any int64) as ISO-8601 UTC with milliseconds: `toISOString()` for years
 * 0–9999, Java's year form beyond (`+292278994-08-17T07:12:55.807Z` for `new Date(Long.MAX_VALUE)`).
 */
export function formatDateMillis(ms: bigint): string {
  const secs = ms >= 0n ? ms / 1000n : -((-ms + 999n) / 1000n);
  return `${isoSeconds(secs)}.${pad(Number(ms - secs * 1000n), 3)}Z`;
}

function isoSeconds(secs: bigint): string {
  const days = secs >= 0n ? secs / 86400n : -((-secs + 86399n) / 86400n);
  const sod = Number(secs - days * 86400n);
  const { year, month, day } = civilFromDays(Number(days));
  const h = Math.floor(sod / 3600);
  const m = Math.floor((sod % 3600) / 60);
  const s = sod % 60;
  return `${formatLocalDate(year, month, day)}T${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}`;
}

export interface LocalDateParts {
  year: number;
  month: number;
  day: number;
}
export interface LocalTimeParts {
  hour: number;
  minute: number;
  second: number;
  nano: number;
}

const DATE_RE = /^([+-]?\d{4,9})-(\d{2})-(\d{2})$/;
const TIME_RE = /^(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?$/;

function bad(what: string, text: string): never {
  throw new HessianError(`not an ISO ${what}: "${text}"`, 'type');
}

function daysInMonth(y: number, m: number): number {
  return m === 2 ? ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;
}

export function parseLocalDate(text: string): LocalDateParts {
  const m = DATE_RE.exec(text);
  if (!m) bad('date (yyyy-MM-dd)', text);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month))
    throw new HessianError(`no such calendar date: "${text}"`, 'type');
  return { year, month, day };
}

export function parseLocalTime(text: string): LocalTimeParts {
  const m = TIME_RE.exec(text);
  if (!m) bad('time (HH:mm[:ss[.fffffffff]])', text);
  const hour = Number(m[1]);
  const minute = Number(m[2]);
  const second = m[3] ? Number(m[3]) : 0;
  const nano = m[4] ? Number(m[4].padEnd(9, '0')) : 0;
  if (hour > 23 || minute > 59 || second > 59) throw new HessianError(`no such time of day: "${text}"`, 'type');
  return { hour, minute, second, nano };
}

export function parseLocalDateTime(text: string): { date: LocalDateParts; time: LocalTimeParts } {
  const i = text.search(/[T ]/);
  if (i < 0) bad('date-time (yyyy-MM-ddTHH:mm[:ss[.f]])', text);
  return { date: parseLocalDate(text.slice(0, i)), time: parseLocalTime(text.slice(i + 1)) };
}

/** An ISO instant with `Z` or an offset (`2024-01-02T03:04:05.123456789Z`, `…+08:00`) → epoch seconds and nanos. */
export function parseInstant(text: string): { seconds: bigint; nanos: number } {
  const m = /^(.*?)(Z|[+-]\d{2}(?::?\d{2})?)$/i.exec(text);
  if (!m) bad('instant (…Z or …±hh:mm)', text);
  const { date, time } = parseLocalDateTime(m[1]!);
  let offset = 0;
  if (m[2]!.toUpperCase() !== 'Z') {
    const o = m[2]!.replace(':', '');
    const hours = Number(o.slice(1, 3));
    const minutes = o.length > 3 ? Number(o.slice(3, 5)) : 0;
    // java.time.ZoneOffset's range
    if (hours > 18 || minutes > 59 || (hours === 18 && minutes > 0)) bad('offset', text);
    offset = (o.startsWith('-') ? -1 : 1) * (hours * 3600 + minutes * 60);
  }
  const days = daysFromCivil(date.year, date.month, date.day);
  const seconds = BigInt(days) * 86400n + BigInt(time.hour * 3600 + time.minute * 60 + time.second - offset);
  return { seconds, nanos: time.nano };
}
