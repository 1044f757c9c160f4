import { ApiError } from '../../../shared/contract/errors.ts';
import { checkPassword, type PasswordPolicy } from './credentials.ts';

/**
 * Refuses a password the policy does not allow, with WEAK_PASSWORD and the first problem's code
 * and numbers as parameters (the renderer says it in the user's language); nothing is saved.
 */
export async function passwordProblemsOrThrow(password: string, policy: PasswordPolicy, names: { username?: string; displayName?: string }): Promise<void> {
  const problems = checkPassword(password, policy, names);
  if (problems.length === 0) return;
  const [first] = problems;
  const { code, ...numbers } = first!;
  throw new ApiError('WEAK_PASSWORD', `This password is not allowed (${problems.map((p) => p.code).join(', ')}).`, { field: 'password', reason: `password_${code}`, problems: problems.map((p) => p.code).join(','), ...numbers });
}
