/**
 * Some embedding models were trained with role prefixes and retrieve poorly without them. The
 * family is recognised from the model's name; unknown models get no prefix.
 */
export interface EmbedderFamily {
  name: string;
  query: string;
  passage: string;
}

const families: Array<{ match: RegExp; family: EmbedderFamily }> = [
  { match: /(^|[/_-])(multilingual-)?e5/i, family: { name: 'e5', query: 'query: ', passage: 'passage: ' } },
  { match: /nomic-embed/i, family: { name: 'nomic', query: 'search_query: ', passage: 'search_document: ' } },
  // bge v1.5 (English/Chinese) uses an instruction for queries only; bge-m3 uses none.
  { match: /bge-(small|base|large)-(en|zh)/i, family: { name: 'bge', query: 'Represent this sentence for searching relevant passages: ', passage: '' } },
];

export function familyFor(modelName: string): EmbedderFamily {
  return families.find((entry) => entry.match.test(modelName))?.family ?? { name: 'plain', query: '', passage: '' };
}
