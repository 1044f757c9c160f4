import type { Migration, MigrationProvider } from 'kysely/migration';
import * as foundation from './001_foundation.ts';
import * as documents from './002_documents.ts';
import * as crashSafety from './003_crash_safety.ts';
import * as sourceChunkIndex from './004_source_chunk_index.ts';
import * as modelRemoval from './005_model_removal.ts';
import * as retrievalOutcome from './006_retrieval_outcome.ts';
import * as documentErrorCode from './007_document_error_code.ts';
import * as modelVersions from './008_model_versions.ts';
import * as sessionVersion from './009_session_version.ts';
import * as abComparisons from './010_ab_comparisons.ts';
import * as sessionAdapterScale from './011_session_adapter_scale.ts';
import * as reverification from './012_reverification.ts';
import * as exportFormats from './013_export_formats.ts';
import * as assistedJudging from './014_assisted_judging.ts';
import * as verdictTotals from './015_verdict_totals.ts';
import * as people from './016_people.ts';
import * as reviews from './017_reviews.ts';
import * as prompts from './018_prompts.ts';
import * as categoryTasks from './019_category_tasks.ts';
import * as scorecardCategories from './020_scorecard_categories.ts';
import * as datasetAbItems from './021_dataset_ab_items.ts';
import * as toolCalls from './023_tool_calls.ts';
import * as sqlRoute from './024_sql_route.ts';
import * as documentGraph from './025_document_graph.ts';
import * as recordMetadata from './026_record_metadata.ts';
import * as cacheData from './027_cache_data.ts';
import * as graphOptions from './028_graph_options.ts';

/**
 * Migrations are listed here explicitly (not read from a folder) so they survive bundling into the
 * Electron main process. Never edit a shipped migration: add the next one.
 */
const migrations: Record<string, Migration> = {
  '001_foundation': foundation,
  '002_documents': documents,
  '003_crash_safety': crashSafety,
  '004_source_chunk_index': sourceChunkIndex,
  '005_model_removal': modelRemoval,
  '006_retrieval_outcome': retrievalOutcome,
  '007_document_error_code': documentErrorCode,
  '008_model_versions': modelVersions,
  '009_session_version': sessionVersion,
  '010_ab_comparisons': abComparisons,
  '011_session_adapter_scale': sessionAdapterScale,
  '012_reverification': reverification,
  '013_export_formats': exportFormats,
  '014_assisted_judging': assistedJudging,
  '015_verdict_totals': verdictTotals,
  '016_people': people,
  '017_reviews': reviews,
  '018_prompts': prompts,
  '019_category_tasks': categoryTasks,
  '020_scorecard_categories': scorecardCategories,
  '021_dataset_ab_items': datasetAbItems,
  '023_tool_calls': toolCalls,
  '024_sql_route': sqlRoute,
  '025_document_graph': documentGraph,
  '026_record_metadata': recordMetadata,
  '027_cache_data': cacheData,
  '028_graph_options': graphOptions,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
