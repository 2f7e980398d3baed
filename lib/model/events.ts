import type { Position } from '../errors.js';
import type { HostStats, TaskResult } from './results.js';

/** Everything a reporter hears. The engine emits these through a callback and knows no reporter. */
export type RunEvent =
  | { type: 'playbookStart'; file: string; check: boolean }
  | { type: 'playStart'; name: string; hosts: string[]; where?: Position }
  | { type: 'taskStart'; name: string; handler: boolean; where?: Position }
  | { type: 'hostResult'; host: string; task: string; result: TaskResult; noLog: boolean }
  | { type: 'command'; host: string; display: string }
  | { type: 'progress'; host: string; message: string }
  | { type: 'warning'; message: string; host?: string }
  | { type: 'noHosts'; play: string }
  | { type: 'recap'; stats: Record<string, HostStats> };

export type EventType = RunEvent['type'];

/** The callback the engine is given. */
export type EventSink = (e: RunEvent) => void;
