/**
 * Sign-in cost: what one password check costs at the real scrypt parameters (passwordCost), and
 * the worst case of a recovery-code attempt (no match: all 10 stored codes checked).
 * `runs` timed calls each (argv[2], default 7), after one untimed warm-up.
 *
 * Target (project): one password hash/verify costs 50–500 ms on a 2-core machine: slow enough
 * to make guessing a stolen database expensive, fast enough not to be felt at sign-in.
 */
import os from 'node:os';
import { generateRecoveryCodes, hashPassword, hashRecoveryCode, passwordCost, recoveryCodeCost, verifyPassword, verifyRecoveryCode } from '../electron/services/auth/credentials.ts';
import { median, round } from './lib.ts';

const runs = Number(process.argv[2] ?? 7);
const target = { minMs: 50, maxMs: 500 };

async function time(fn: () => Promise<unknown>): Promise<number[]> {
  await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  return samples;
}

const figures = (samples: number[]) => ({ medianMs: round(median(samples), 1), minMs: round(Math.min(...samples), 1), maxMs: round(Math.max(...samples), 1) });

const password = 'bench password 비밀번호 2024';
const stored = await hashPassword(password);
const verify = await time(async () => {
  if (!(await verifyPassword(password, stored))) throw new Error('verifyPassword failed in the benchmark');
});
const hash = await time(() => hashPassword(password));

const codes = generateRecoveryCodes(10);
const storedCodes = await Promise.all(codes.map((code) => hashRecoveryCode(code)));
const stranger = generateRecoveryCodes(1)[0]!;
const recovery = await time(async () => {
  if ((await verifyRecoveryCode(stranger, storedCodes)) !== -1) throw new Error('a code never issued matched');
});

const verifyFigures = figures(verify);
console.log(
  JSON.stringify(
    {
      benchmark: 'sign-in',
      machine: { cpus: os.availableParallelism(), model: os.cpus()[0]?.model ?? 'unknown', uvThreadpool: Number(process.env.UV_THREADPOOL_SIZE ?? 4) },
      runs,
      passwordCost: { ...passwordCost, memoryMiB: round((128 * passwordCost.N * passwordCost.r) / 2 ** 20, 1) },
      verifyPassword: { ...verifyFigures, target, withinTarget: verifyFigures.medianMs >= target.minMs && verifyFigures.medianMs <= target.maxMs },
      hashPassword: figures(hash),
      recoveryCodeCost: { ...recoveryCodeCost, memoryMiB: round((128 * recoveryCodeCost.N * recoveryCodeCost.r) / 2 ** 20, 1) },
      verifyRecoveryCodeNoMatchOf10: figures(recovery),
    },
    null,
    2,
  ),
);
