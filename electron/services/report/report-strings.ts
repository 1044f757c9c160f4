import type { ReportLanguage } from '../../../shared/contract/reverify.ts';
import type { Priority, Verdict } from '../../../shared/contract/entities.ts';

/**
 * The report's words in English, Korean and Japanese. The report is a file handed to people who
 * never open EvalDesk, so it carries its own strings instead of the renderer's i18n bundle; the
 * verdict, priority and category names match the app's so both say the same thing.
 */
export interface ReportStrings {
  reportTitle: string;
  generated: (date: string, appVersion: string) => string;
  offlineNote: string;
  sections: { summary: string; workspace: string; lineage: string; charts: string; scoreCards: string; examples: string };
  kpi: { judged: string; goodRate: (version: string) => string; goodRateNone: string; versus: (points: string, version: string) => string; verified: string; regressions: string };
  workspace: { businessDomain: string; category: string; systemPrompt: string; noSystemPrompt: string };
  categories: Record<string, string>;
  verdicts: Record<Verdict, string>;
  priorities: Record<Priority, string>;
  noPriority: string;
  /** The base model alone, named after its model (services give the model's name, never a label). */
  baseVersion: (model: string) => string;
  lineage: { base: string; dataset: string; trainer: string; trainedAt: string; hyperparameters: string; empty: string };
  charts: { ratesTitle: string; ratesAxis: string; timelineTitle: string; timelineSingleDay: string };
  tables: {
    versions: string;
    runs: string;
    byPriority: string;
    byCategory: string;
    byTag: string;
    ab: string;
    version: string;
    /** The run column of the breakdown tables, and what it says for a version's answers across the workspace. */
    run: string;
    allAnswers: string;
    set: string;
    date: string;
    status: string;
    answered: string;
    judged: string;
    goodRate: string;
    verified: string;
    regressed: string;
    trainedInto: string;
    judgeAgreement: string;
    priority: string;
    category: string;
    tag: string;
    pair: string;
    firstWins: string;
    secondWins: string;
    ties: string;
    bothBad: string;
  };
  runStatuses: Record<'pending' | 'running' | 'paused' | 'completed' | 'failed', string>;
  examples: {
    fixed: string;
    regressed: string;
    fixedNone: string;
    regressedNone: string;
    question: string;
    earlierAnswer: (version: string) => string;
    correction: string;
    noCorrection: string;
    newAnswer: (version: string) => string;
    diff: string;
    diffEarlier: string;
    /** `reference`: the text compared with, as the legend names it ("the correction"). */
    diffLegend: (reference: string) => string;
    referenceCorrection: string;
    referenceEarlier: string;
    diffSkipped: string;
    shortened: (shown: string, total: string) => string;
  };
  nothingJudged: string;
  none: string;
}

const en: ReportStrings = {
  reportTitle: 'PoC evaluation report',
  generated: (date, appVersion) => `Generated on ${date} by EvalDesk ${appVersion}`,
  offlineNote: 'This report is a single file: it opens offline and loads nothing from the network.',
  sections: { summary: 'Summary', workspace: 'Workspace', lineage: 'Models and versions', charts: 'Charts', scoreCards: 'Score cards', examples: 'Examples' },
  kpi: { judged: 'Answers judged', goodRate: (version) => `Good rate · ${version}`, goodRateNone: 'Good rate', versus: (points, version) => `${points} points vs ${version}`, verified: 'Corrections verified', regressions: 'Regressions' },
  workspace: { businessDomain: 'Business domain', category: 'Category', systemPrompt: 'System prompt', noSystemPrompt: 'No system prompt.' },
  categories: { qa: 'Q&A', doc_gen: 'Document generation', summary: 'Summarization' },
  verdicts: { 1: 'Good', 2: 'Insufficient', 3: 'Wrong' },
  priorities: { 1: 'High', 2: 'Medium', 3: 'Low' },
  noPriority: 'No priority',
  baseVersion: (model) => `${model} (base)`,
  lineage: { base: 'Base model', dataset: 'Trained on', trainer: 'Trainer', trainedAt: 'Trained', hyperparameters: 'Hyperparameters', empty: 'No model has been registered yet.' },
  charts: {
    ratesTitle: 'Verdicts per version',
    ratesAxis: 'Share of judged answers',
    timelineTitle: 'Good rate over time',
    timelineSingleDay: 'All judgements so far were made on one day.',
  },
  tables: {
    versions: 'Per version',
    runs: 'Per run',
    byPriority: 'By priority',
    byCategory: 'By category',
    byTag: 'By tag',
    ab: 'Blind A/B',
    version: 'Version',
    run: 'Run',
    allAnswers: 'All answers',
    set: 'Question set',
    date: 'Date',
    status: 'Status',
    answered: 'Answered',
    judged: 'Judged',
    goodRate: 'Good rate',
    verified: 'Verified',
    regressed: 'Regressed',
    trainedInto: 'Trained into',
    judgeAgreement: 'Judge agreement',
    priority: 'Priority',
    category: 'Category',
    tag: 'Tag',
    pair: 'Pair',
    firstWins: 'First wins',
    secondWins: 'Second wins',
    ties: 'Ties',
    bothBad: 'Both bad',
  },
  runStatuses: { pending: 'Pending', running: 'Running', paused: 'Paused', completed: 'Completed', failed: 'Failed' },
  examples: {
    fixed: 'Fixed answers',
    regressed: 'Regressed answers',
    fixedNone: 'No answer has been fixed by a new version yet.',
    regressedNone: 'No regression: no answer judged good before got worse.',
    question: 'Question',
    earlierAnswer: (version) => `Earlier answer · ${version}`,
    correction: 'Expert correction',
    noCorrection: 'No correction was written.',
    newAnswer: (version) => `New answer · ${version}`,
    diff: 'New answer compared with the correction',
    diffEarlier: 'New answer compared with the earlier answer',
    diffLegend: (reference) => `Underlined: only in the new answer. Struck through: only in ${reference}.`,
    referenceCorrection: 'the correction',
    referenceEarlier: 'the earlier answer',
    diffSkipped: 'These answers are too long to compare here.',
    shortened: (shown, total) => `Shortened: the first ${shown} of ${total} characters.`,
  },
  nothingJudged: 'Nothing has been judged in this workspace yet: the score cards and charts appear once answers are judged.',
  none: '–',
};

const ko: ReportStrings = {
  reportTitle: 'PoC 평가 보고서',
  generated: (date, appVersion) => `${date} · EvalDesk ${appVersion}에서 생성`,
  offlineNote: '이 보고서는 파일 하나로 되어 있어 오프라인에서 열리며 네트워크에서 아무것도 불러오지 않습니다.',
  sections: { summary: '요약', workspace: '워크스페이스', lineage: '모델과 버전', charts: '차트', scoreCards: '스코어카드', examples: '사례' },
  kpi: { judged: '평가한 답변', goodRate: (version) => `좋음 비율 · ${version}`, goodRateNone: '좋음 비율', versus: (points, version) => `${version} 대비 ${points}%p`, verified: '검증된 교정', regressions: '회귀' },
  workspace: { businessDomain: '업무 분야', category: '유형', systemPrompt: '시스템 프롬프트', noSystemPrompt: '시스템 프롬프트가 없습니다.' },
  categories: { qa: '질의응답', doc_gen: '문서 생성', summary: '요약' },
  verdicts: { 1: '좋음', 2: '부족', 3: '틀림' },
  priorities: { 1: '높음', 2: '보통', 3: '낮음' },
  noPriority: '우선순위 없음',
  baseVersion: (model) => `${model} (기본 모델)`,
  lineage: { base: '기반 모델', dataset: '학습 데이터', trainer: '학습 도구', trainedAt: '학습일', hyperparameters: '하이퍼파라미터', empty: '아직 등록된 모델이 없습니다.' },
  charts: {
    ratesTitle: '버전별 평가 결과',
    ratesAxis: '평가한 답변 중 비율',
    timelineTitle: '날짜별 좋음 비율',
    timelineSingleDay: '지금까지의 평가는 모두 하루에 이루어졌습니다.',
  },
  tables: {
    versions: '버전별',
    runs: '실행별',
    byPriority: '우선순위별',
    byCategory: '유형별',
    byTag: '태그별',
    ab: '블라인드 A/B',
    version: '버전',
    run: '실행',
    allAnswers: '전체 답변',
    set: '질문 세트',
    date: '날짜',
    status: '상태',
    answered: '답변',
    judged: '평가',
    goodRate: '좋음 비율',
    verified: '검증',
    regressed: '회귀',
    trainedInto: '학습 반영',
    judgeAgreement: '심사 일치율',
    priority: '우선순위',
    category: '유형',
    tag: '태그',
    pair: '비교 쌍',
    firstWins: '앞 버전 승',
    secondWins: '뒤 버전 승',
    ties: '무승부',
    bothBad: '둘 다 나쁨',
  },
  runStatuses: { pending: '대기', running: '실행 중', paused: '일시 정지', completed: '완료', failed: '실패' },
  examples: {
    fixed: '개선된 답변',
    regressed: '나빠진 답변',
    fixedNone: '아직 새 버전으로 개선된 답변이 없습니다.',
    regressedNone: '회귀 없음: 전에 좋음이던 답변 중 나빠진 것이 없습니다.',
    question: '질문',
    earlierAnswer: (version) => `이전 답변 · ${version}`,
    correction: '전문가 교정',
    noCorrection: '작성된 교정이 없습니다.',
    newAnswer: (version) => `새 답변 · ${version}`,
    diff: '새 답변과 교정의 차이',
    diffEarlier: '새 답변과 이전 답변의 차이',
    diffLegend: (reference) => `밑줄: 새 답변에만 있음. 취소선: ${reference}에만 있음.`,
    referenceCorrection: '교정',
    referenceEarlier: '이전 답변',
    diffSkipped: '답변이 너무 길어 여기서는 비교하지 않습니다.',
    shortened: (shown, total) => `줄임: 전체 ${total}자 중 앞 ${shown}자.`,
  },
  nothingJudged: '이 워크스페이스에는 아직 평가한 답변이 없습니다. 답변을 평가하면 스코어카드와 차트가 나타납니다.',
  none: '–',
};

const ja: ReportStrings = {
  reportTitle: 'PoC 評価レポート',
  generated: (date, appVersion) => `${date} · EvalDesk ${appVersion} で作成`,
  offlineNote: 'このレポートは 1 つのファイルで、オフラインで開け、ネットワークから何も読み込みません。',
  sections: { summary: '概要', workspace: 'ワークスペース', lineage: 'モデルとバージョン', charts: 'グラフ', scoreCards: 'スコアカード', examples: '事例' },
  kpi: { judged: '評価した回答', goodRate: (version) => `良い率 · ${version}`, goodRateNone: '良い率', versus: (points, version) => `${version} 比 ${points} ポイント`, verified: '検証済みの修正', regressions: '退行' },
  workspace: { businessDomain: '業務分野', category: '種類', systemPrompt: 'システムプロンプト', noSystemPrompt: 'システムプロンプトはありません。' },
  categories: { qa: 'Q&A', doc_gen: '文書生成', summary: '要約' },
  verdicts: { 1: '良い', 2: '不十分', 3: '誤り' },
  priorities: { 1: '高', 2: '中', 3: '低' },
  noPriority: '優先度なし',
  baseVersion: (model) => `${model}（ベースモデル）`,
  lineage: { base: 'ベースモデル', dataset: '学習データ', trainer: '学習ツール', trainedAt: '学習日', hyperparameters: 'ハイパーパラメータ', empty: 'まだモデルが登録されていません。' },
  charts: {
    ratesTitle: 'バージョン別の評価',
    ratesAxis: '評価した回答に占める割合',
    timelineTitle: '日ごとの良い率',
    timelineSingleDay: 'これまでの評価はすべて 1 日のうちに行われました。',
  },
  tables: {
    versions: 'バージョン別',
    runs: '実行別',
    byPriority: '優先度別',
    byCategory: '種類別',
    byTag: 'タグ別',
    ab: 'ブラインド A/B',
    version: 'バージョン',
    run: '実行',
    allAnswers: 'すべての回答',
    set: '質問セット',
    date: '日付',
    status: '状態',
    answered: '回答',
    judged: '評価',
    goodRate: '良い率',
    verified: '検証',
    regressed: '退行',
    trainedInto: '学習に反映',
    judgeAgreement: '判定の一致率',
    priority: '優先度',
    category: '種類',
    tag: 'タグ',
    pair: '組み合わせ',
    firstWins: '前者の勝ち',
    secondWins: '後者の勝ち',
    ties: '引き分け',
    bothBad: '両方とも悪い',
  },
  runStatuses: { pending: '待機中', running: '実行中', paused: '一時停止', completed: '完了', failed: '失敗' },
  examples: {
    fixed: '改善された回答',
    regressed: '悪化した回答',
    fixedNone: '新しいバージョンで改善された回答はまだありません。',
    regressedNone: '退行なし：以前「良い」だった回答で悪化したものはありません。',
    question: '質問',
    earlierAnswer: (version) => `以前の回答 · ${version}`,
    correction: '専門家の修正',
    noCorrection: '修正は書かれていません。',
    newAnswer: (version) => `新しい回答 · ${version}`,
    diff: '新しい回答と修正の違い',
    diffEarlier: '新しい回答と以前の回答の違い',
    diffLegend: (reference) => `下線：新しい回答にだけある部分。取り消し線：${reference}にだけある部分。`,
    referenceCorrection: '修正',
    referenceEarlier: '以前の回答',
    diffSkipped: '回答が長すぎるため、ここでは比較しません。',
    shortened: (shown, total) => `省略：全 ${total} 文字のうち最初の ${shown} 文字。`,
  },
  nothingJudged: 'このワークスペースではまだ何も評価されていません。回答を評価するとスコアカードとグラフが表示されます。',
  none: '–',
};

export const reportStrings: Record<ReportLanguage, ReportStrings> = { en, ko, ja };

/** Numbers, percentages and dates as readers of the language expect them. */
export function reportFormatters(language: ReportLanguage) {
  const integer = new Intl.NumberFormat(language, { maximumFractionDigits: 0 });
  const decimal = new Intl.NumberFormat(language, { maximumFractionDigits: 1 });
  const percent = new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits: 1 });
  const dateTime = new Intl.DateTimeFormat(language, { dateStyle: 'long', timeStyle: 'short' });
  const date = new Intl.DateTimeFormat(language, { dateStyle: 'medium' });
  // Timeline days are calendar days ("2026-11-03"), not instants: formatted in UTC so no time
  // zone moves them to the day before.
  const day = new Intl.DateTimeFormat(language, { month: 'short', day: 'numeric', timeZone: 'UTC' });
  const validDate = (iso: string) => {
    const parsed = new Date(iso);
    return Number.isNaN(parsed.getTime()) ? null : parsed;
  };
  return {
    integer: (value: number) => (Number.isFinite(value) ? integer.format(value) : '–'),
    decimal: (value: number) => (Number.isFinite(value) ? decimal.format(value) : '–'),
    percent: (value: number) => (Number.isFinite(value) ? percent.format(value) : '–'),
    dateTime: (iso: string) => {
      const parsed = validDate(iso);
      return parsed ? dateTime.format(parsed) : iso;
    },
    date: (iso: string) => {
      const parsed = validDate(iso);
      return parsed ? date.format(parsed) : iso;
    },
    day: (isoDay: string) => {
      const parsed = validDate(`${isoDay.slice(0, 10)}T00:00:00Z`);
      return parsed ? day.format(parsed) : isoDay;
    },
  };
}

export type ReportFormatters = ReturnType<typeof reportFormatters>;
