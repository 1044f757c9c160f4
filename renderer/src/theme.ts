import { createTheme } from '@mantine/core';

/**
 * One look for every screen: Mantine (accessible forms, tables, dialogs with focus traps,
 * notifications) with EvalDesk's colours and fonts that cover Hangul, kana and ideographs.
 */
export const theme = createTheme({
  primaryColor: 'indigo',
  defaultRadius: 'md',
  cursorType: 'pointer',
  fontFamily:
    "Inter, 'Segoe UI', 'Noto Sans', 'Noto Sans CJK KR', 'Noto Sans CJK JP', 'Apple SD Gothic Neo', 'Hiragino Sans', 'Malgun Gothic', 'Yu Gothic UI', system-ui, sans-serif",
  fontFamilyMonospace: "ui-monospace, 'SFMono-Regular', Menlo, 'Noto Sans Mono CJK KR', monospace",
  fontSizes: { xs: '12px', sm: '13px', md: '14px', lg: '16px', xl: '18px' },
  headings: { sizes: { h2: { fontSize: '20px' }, h3: { fontSize: '16px' }, h4: { fontSize: '14px' } } },
  colors: {
    // The verdict colours: good, insufficient, wrong.
    verdictGood: ['#e6f4ea', '#cce9d5', '#99d3ab', '#66bd81', '#3fa862', '#2a9a50', '#1f8a4c', '#17733e', '#0f5c31', '#074523'],
  },
});
