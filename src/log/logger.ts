// Structured logging for the node (pino): one JSON object per line on stdout, so log shippers and
// `jq` can read it. `pretty` renders the same records as short human lines for local runs.

import { hostname } from 'node:os';
import { pino } from 'pino';
import type { DestinationStream, LevelWithSilent, Logger } from 'pino';

export type { Logger } from 'pino';
/** A pino log level, or `silent`. */
export type LogLevel = LevelWithSilent;

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
export const LOG_LEVEL_ENV = 'BYZ_LOG_LEVEL';
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Component name, logged as `name`. */
  readonly name: string;
  /** Wins over BYZ_LOG_LEVEL; default 'info'. */
  readonly level?: LogLevel;
  /** Replica id, logged as `replica` on every line. */
  readonly replica?: string;
  /** Human-readable lines instead of JSON (local runs). */
  readonly pretty?: boolean;
  /** Where lines go (tests); default stdout, written synchronously so nothing is lost on a crash. */
  readonly destination?: DestinationStream;
  /** Environment to read BYZ_LOG_LEVEL from; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export function isLogLevel(s: string): s is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(s);
}

/** The level to use: the option, else BYZ_LOG_LEVEL, else 'info'. A bad BYZ_LOG_LEVEL is a startup error. */
export function resolveLogLevel(level: LogLevel | undefined, env: Readonly<Record<string, string | undefined>>): LogLevel {
  if (level !== undefined) return level;
  const fromEnv = env[LOG_LEVEL_ENV]?.trim().toLowerCase();
  if (fromEnv === undefined || fromEnv === '') return DEFAULT_LOG_LEVEL;
  if (!isLogLevel(fromEnv)) throw new Error(`${LOG_LEVEL_ENV}=${fromEnv} is not one of ${LOG_LEVELS.join(', ')}`);
  return fromEnv;
}

/** A pino logger: JSON lines (or short human lines with `pretty`) at the level from the option, BYZ_LOG_LEVEL or `info`. */
export function createLogger(opts: LoggerOptions): Logger {
  const level = resolveLogLevel(opts.level, opts.env ?? process.env);
  const base: Record<string, unknown> = { pid: process.pid, hostname: hostname() };
  if (opts.replica !== undefined) base['replica'] = opts.replica;
  const out = opts.destination ?? pino.destination({ dest: 1, sync: true });
  return pino({ name: opts.name, level, base }, opts.pretty === true ? prettyStream(out) : out);
}

const LEVEL_NAMES: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const STANDARD_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'name', 'replica', 'msg']);

/** A destination that turns pino's JSON lines into `HH:MM:SS.mmm LEVEL name[replica] msg {rest}`. */
export function prettyStream(out: DestinationStream): DestinationStream {
  return { write: (line: string) => out.write(formatPretty(line)) };
}

export function formatPretty(line: string): string {
  let rec: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== 'object' || parsed === null) return line;
    rec = parsed as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof rec['time'] === 'number' ? new Date(rec['time']).toISOString().slice(11, 23) : '--:--:--.---';
  const level = typeof rec['level'] === 'number' ? (LEVEL_NAMES[rec['level']] ?? String(rec['level'])) : '?';
  const name = typeof rec['name'] === 'string' ? rec['name'] : '';
  const replica = typeof rec['replica'] === 'string' ? `[${rec['replica']}]` : '';
  const msg = typeof rec['msg'] === 'string' ? rec['msg'] : '';
  const rest = Object.fromEntries(Object.entries(rec).filter(([k]) => !STANDARD_FIELDS.has(k)));
  const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
  return `${time} ${level.padEnd(5)} ${name}${replica} ${msg}${extra}\n`;
}
