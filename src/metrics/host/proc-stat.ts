/**
 * `/proc/stat` → `host_cpu`: the aggregate `cpu` line as the fraction of all CPU time spent in each state
 * over the interval (the fractions add up to 1; per-CPU lines are not shipped: cardinality), plus context
 * switches, interrupts and forks per second and the runnable/blocked process gauges.
 * `guest`/`guest_nice` are already included in `user`/`nice` (kernel accounting), so the total excludes
 * them; they are still shipped as their own fractions.
 */
import { columns, Deltas } from './deltas';

export const CPU_STATES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal', 'guest', 'guest_nice'] as const;

export interface ProcStat {
  /** Ticks per state of the aggregate line, in CPU_STATES order (missing columns of old kernels are 0). */
  cpu: number[];
  cpus: number;
  ctxt: number;
  intr: number;
  processes: number;
  procsRunning: number;
  procsBlocked: number;
}

export function parseProcStat(text: string): ProcStat | undefined {
  const out: ProcStat = { cpu: [], cpus: 0, ctxt: NaN, intr: NaN, processes: NaN, procsRunning: NaN, procsBlocked: NaN };
  for (const line of text.split('\n')) {
    const parts = line.trim().split(/\s+/);
    const key = parts[0] ?? '';
    if (key === 'cpu') out.cpu = columns(parts, 1, CPU_STATES.length).map((v, i) => (Number.isNaN(v) && i >= 7 && parts[1 + i] === undefined ? 0 : v));
    else if (/^cpu\d+$/.test(key)) out.cpus++;
    else if (key === 'ctxt') out.ctxt = Number(parts[1]);
    else if (key === 'intr') out.intr = Number(parts[1]);
    else if (key === 'processes') out.processes = Number(parts[1]);
    else if (key === 'procs_running') out.procsRunning = Number(parts[1]);
    else if (key === 'procs_blocked') out.procsBlocked = Number(parts[1]);
  }
  if (out.cpu.length !== CPU_STATES.length || out.cpu.some(Number.isNaN)) return undefined;
  return out;
}

export class CpuRates {
  readonly #deltas = new Deltas();

  /** Fields of `host_cpu`, or the reason there are none yet (first sample, counters reset). */
  fields(s: ProcStat, tSec: number): Record<string, number> | 'first' | 'reset' | 'time_backwards' {
    this.#deltas.begin();
    const step = this.#deltas.step('cpu', tSec, [...s.cpu, s.ctxt, s.intr, s.processes]);
    if (typeof step === 'string') return step;
    const d = step.deltas;
    let total = 0;
    for (let i = 0; i < 8; i++) total += d[i] as number;
    const fields: Record<string, number> = {};
    if (total > 0) {
      CPU_STATES.forEach((state, i) => (fields[`${state}_fraction`] = (d[i] as number) / total));
      fields['usage_fraction'] = 1 - ((d[3] as number) + (d[4] as number)) / total;
    }
    fields['cpus'] = s.cpus;
    const n = CPU_STATES.length;
    if (!Number.isNaN(d[n])) fields['context_switches_per_sec'] = (d[n] as number) / step.dtSec;
    if (!Number.isNaN(d[n + 1])) fields['interrupts_per_sec'] = (d[n + 1] as number) / step.dtSec;
    if (!Number.isNaN(d[n + 2])) fields['forks_per_sec'] = (d[n + 2] as number) / step.dtSec;
    if (!Number.isNaN(s.procsRunning)) fields['procs_running'] = s.procsRunning;
    if (!Number.isNaN(s.procsBlocked)) fields['procs_blocked'] = s.procsBlocked;
    return fields;
  }
}
