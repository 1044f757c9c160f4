/**
 * The three UI languages say the same things: every key of one exists in the others (plural
 * forms aside, Korean and Japanese have one), every error code is translated, and a translation
 * uses exactly the {{parameters}} the English text uses.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { errorCodes } from '../shared/contract/errors.ts';

type Tree = { [key: string]: string | Tree };
const languages = ['en', 'ko', 'ja'] as const;
const dictionaries = Object.fromEntries(languages.map((language) => [language, JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '..', 'renderer', 'src', 'i18n', `${language}.json`), 'utf8')) as Tree]));

/** Leaf keys with their texts; `_one`/`_other` plural forms folded into the key they pluralize. */
function leaves(tree: Tree, prefix = ''): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [key, value] of Object.entries(tree)) {
    if (typeof value === 'string') {
      const folded = `${prefix}${key.replace(/_(zero|one|two|few|many|other)$/, '')}`;
      out.set(folded, [...(out.get(folded) ?? []), value]);
    } else for (const [leaf, texts] of leaves(value, `${prefix}${key}.`)) out.set(leaf, texts);
  }
  return out;
}

const parameters = (texts: string[]) => [...new Set(texts.flatMap((text) => [...text.matchAll(/\{\{\s*(\w+)/g)].map((match) => match[1]!)))].sort();

test('Korean and Japanese have every English key and no other, with the same parameters', () => {
  const english = leaves(dictionaries.en!);
  for (const language of ['ko', 'ja'] as const) {
    const other = leaves(dictionaries[language]!);
    assert.deepEqual([...english.keys()].filter((key) => !other.has(key)), [], `keys missing in ${language}`);
    assert.deepEqual([...other.keys()].filter((key) => !english.has(key)), [], `keys only in ${language}`);
    for (const [key, texts] of english) assert.deepEqual(parameters(other.get(key)!), parameters(texts), `${language}: ${key} uses other parameters`);
    for (const [key, texts] of other) assert.ok(texts.every((text) => text.trim().length > 0), `${language}: ${key} is empty`);
  }
});

test('every error code has a translation in every language', () => {
  for (const language of languages) {
    const errors = dictionaries[language]!['errors'] as Tree;
    assert.deepEqual(errorCodes.filter((code) => typeof errors[code] !== 'string'), [], `${language}: untranslated error codes`);
  }
});

test('every audit event has a name in every language', async () => {
  const { auditEventNames } = await import('../shared/contract/people.ts');
  for (const language of languages) {
    const names = (dictionaries[language]!['people'] as Tree)['auditEvents'] as Tree;
    const missing = auditEventNames.filter((event) => {
      const [group, name] = event.split('.') as [string, string];
      return typeof (names[group] as Tree | undefined)?.[name] !== 'string';
    });
    assert.deepEqual(missing, [], `${language}: untranslated audit events`);
  }
});
