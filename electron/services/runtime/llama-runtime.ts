import path from 'node:path';
import os from 'node:os';
import type { ChatWrapper, Llama, LlamaContext, LlamaContextSequence, LlamaModel } from 'node-llama-cpp';
import { canReplaceAdapters, createContextWithAdapters, replaceContextAdapters, type AdapterToApply } from '../lora/runtime-probe.ts';
import { loadLlamaModule } from './llama-module.ts';
import { decodeWhenAllGenerating } from './decode-schedule.ts';
import { resolvePromptFormat, tokenizationRule, type PromptFormat } from './chat-template.ts';
import type { GpuBackend, RuntimePromptFormat, RuntimeSettings, RuntimeStatus } from '../../../shared/contract/entities.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import { formatBytes } from '../../../shared/format.ts';

export interface LoadRequest {
  modelId: number;
  filePath: string;
  /** Declared weight bytes from the GGUF header, for the memory pre-check. */
  weightBytes: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

/** A context on the loaded model with the adapters it was created with (LoRA is applied per context). */
interface Lane {
  context: LlamaContext | null;
  /**
   * Kept across questions so llama.cpp reuses the evaluated prefix (system prompt, history).
   * Slot 0 serves the chat; a batch run answers on slots 0..n-1 of a context made with n.
   */
  sequences: LlamaContextSequence[];
  /** The adapters the context was created with (a model version); '' for the base alone. */
  adapterKey: string;
  /** The same adapters as the status bar names them. */
  adapterLabels: string[];
}

/**
 * Lane 0 serves the chat and batch runs. Lane 1 exists only while a blind A/B compares two
 * versions: the second version answers there, at the same time as the first on lane 0, instead
 * of waiting for it and for a context switch. Any other request on lane 0 frees it, so its KV
 * memory is held only between A/B rounds.
 */
export type LaneIndex = 0 | 1;

interface Loaded {
  modelId: number;
  model: LlamaModel;
  lanes: [Lane, Lane];
  /**
   * The chat format resolved once from the model's template. Resolving it is not free (a Jinja
   * template is parsed and test-rendered), so every question reuses this instance.
   */
  chatWrapper: ChatWrapper;
  /** How prompts are made for this model: its own template tokenized as whole text, or the wrapper above. */
  promptFormat: PromptFormat;
  /** The same, as the status bar and the version screen show it. */
  promptFormatInfo: RuntimePromptFormat;
}

const emptyLane = (): Lane => ({ context: null, sequences: [], adapterKey: '', adapterLabels: [] });

/** An adapter as the status bar names it: the start of its content-addressed file name and its scale. */
const adapterLabel = (adapter: AdapterToApply) => `${path.basename(adapter.filePath).slice(0, 12)}… ×${adapter.scale ?? 1}`;

/** A model of its own context for side work (a judge), beside whatever the chat has loaded. */
export interface SideModel {
  llama: Llama;
  model: LlamaModel;
  sequence: LlamaContextSequence;
}

/** Where an answer runs: which lane, which of its sequences, and how many the context must hold. */
export interface ContextPlacement {
  slot?: number;
  sequences?: number;
  lane?: LaneIndex;
  /** A/B's first answer on lane 0: lane 1 (the second answer's) stays. */
  keepSideLane?: boolean;
}

export interface AcquiredContext {
  model: LlamaModel;
  context: LlamaContext;
  sequence: LlamaContextSequence;
  chatWrapper: ChatWrapper;
  promptFormat: PromptFormat;
}

/** What a version screen shows about the prompt format of the loaded model. */
function describePromptFormat(format: PromptFormat): RuntimePromptFormat {
  return format.rule === 'jinja-whole-text'
    ? { rule: format.rule, template: format.template.source, tokenization: tokenizationRule, fallbackReason: null }
    : { rule: format.rule, template: null, tokenization: null, fallbackReason: format.reason };
}

/**
 * The status bar's memory figures, read at most once per `maxAgeMs`: each reading is a system
 * call or a /proc read (about 5 µs apiece on Linux), and a load or a version switch notifies
 * several times within a second, where fresher figures would show nothing new.
 */
function memoryReadings(maxAgeMs = 1000): () => RuntimeStatus['ram'] {
  let last: RuntimeStatus['ram'] | null = null;
  let readAt = 0;
  return () => {
    const time = performance.now();
    if (!last || time - readAt > maxAgeMs) {
      const total = os.totalmem();
      last = { total, used: total - os.freemem(), processRss: process.memoryUsage.rss() };
      readAt = time;
    }
    return last;
  };
}

/** A version switch shorter than this never shows as a load in the status bar (no flicker). */
const visibleSwitchMs = 100;

/** Physical-ish core count: the default for generation threads (ENGINEERING: more threads than cores is ruinous). */
export function defaultThreadCount(): number {
  const logical = os.availableParallelism();
  return Math.max(1, logical >= 4 ? Math.floor(logical / 2) : logical);
}

/** The setting as node-llama-cpp's context option (settings stored before it existed are 'auto'). */
function flashAttentionOption(settings: RuntimeSettings): 'auto' | boolean {
  return settings.flashAttention === 'on' ? true : settings.flashAttention === 'off' ? false : 'auto';
}

function resolveThreads(settings: RuntimeSettings): number {
  return settings.threads > 0 ? settings.threads : defaultThreadCount();
}

/**
 * Owns the llama.cpp runtime: one loaded model and its context at a time. The chat service asks it
 * for a context sequence; unloading first waits for running generations to be stopped.
 */
export function createLlamaRuntime(options: { getSettings: () => Promise<RuntimeSettings>; onChange?: (status: RuntimeStatus) => void }) {
  let llama: Llama | null = null;
  let llamaKey = '';
  let loaded: Loaded | null = null;
  let state: RuntimeStatus['state'] = 'idle';
  let progress = 0;
  let loadingModelId: number | null = null;
  let lastError: RuntimeStatus['error'] = null;
  let pendingLoad: Promise<void> | null = null;
  const activeGenerations = new Set<{ abort: () => void; done: Promise<unknown> }>();
  let contextLock: Promise<unknown> = Promise.resolve();
  const ram = memoryReadings();

  async function ensureLlama(settings: RuntimeSettings): Promise<Llama> {
    const key = `${settings.gpu}:${resolveThreads(settings)}`;
    if (llama && llamaKey === key) return llama;
    if (llama) await llama.dispose();
    const { getLlama, LlamaLogLevel } = await loadLlamaModule();
    llama = await getLlama({
      gpu: settings.gpu === 'cpu' ? false : 'auto',
      maxThreads: resolveThreads(settings),
      // Never try to compile llama.cpp at run time: offline workstations have no toolchain.
      build: 'never',
      progressLogs: false,
      logLevel: LlamaLogLevel.error,
    });
    llamaKey = key;
    return llama;
  }

  async function status(): Promise<RuntimeStatus> {
    const vram = llama && llama.gpu ? await llama.getVramState().catch(() => null) : null;
    return {
      state,
      modelId: loaded?.modelId ?? loadingModelId,
      backend: llama ? ((llama.gpu || 'cpu') as GpuBackend) : null,
      progress,
      gpuLayers: loaded ? loaded.model.gpuLayers : null,
      vram: vram ? { total: vram.total, used: vram.used } : null,
      ram: ram(),
      modelBytes: loaded ? loaded.model.size : null,
      chatWrapper: loaded?.chatWrapper.wrapperName ?? null,
      promptFormat: loaded?.promptFormatInfo ?? null,
      adapters: loaded?.lanes[0].adapterLabels ?? [],
      error: lastError,
    };
  }

  async function notify() {
    options.onChange?.(await status());
  }

  async function stopGenerations() {
    const running = [...activeGenerations];
    for (const generation of running) generation.abort();
    await Promise.allSettled(running.map((g) => g.done));
  }

  async function unloadNow() {
    await stopGenerations();
    const current = loaded;
    loaded = null;
    if (current) {
      for (const lane of current.lanes) await lane.context?.dispose();
      await current.model.dispose();
    }
  }

  async function doLoad(request: LoadRequest) {
    const settings = await options.getSettings();
    const instance = await ensureLlama(settings);
    const available = os.totalmem() + (instance.gpu ? (await instance.getVramState()).total : 0);
    if (request.weightBytes > available) {
      throw new ApiError(
        'MODEL_TOO_BIG',
        `This model needs at least ${formatBytes(request.weightBytes)} of memory, but this computer has ${formatBytes(available)} (RAM and GPU memory together). Choose a smaller or more quantized model.`,
        { needed: request.weightBytes, available },
      );
    }
    let model: LlamaModel;
    const { InsufficientMemoryError } = await loadLlamaModule();
    try {
      model = await instance.loadModel({
        modelPath: request.filePath,
        gpuLayers: settings.gpuLayers,
        onLoadProgress: (fraction) => {
          progress = fraction;
          request.onProgress?.(fraction);
        },
        ...(request.signal ? { loadSignal: request.signal } : {}),
      });
    } catch (error) {
      if (request.signal?.aborted) throw new ApiError('CANCELLED', 'Loading the model was cancelled.');
      if (error instanceof InsufficientMemoryError) {
        throw new ApiError('MODEL_TOO_BIG', `Not enough memory to load this model: ${error.message}`, undefined, { cause: error });
      }
      const message = error instanceof Error ? error.message : String(error);
      throw new ApiError('RUNTIME_FAILED', `llama.cpp could not load the model: ${message}`, undefined, { cause: error });
    }
    const { resolveChatWrapper } = await loadLlamaModule();
    const promptFormat = resolvePromptFormat(model);
    loaded = { modelId: request.modelId, model, lanes: [emptyLane(), emptyLane()], chatWrapper: resolveChatWrapper(model), promptFormat, promptFormatInfo: describePromptFormat(promptFormat) };
  }

  /**
   * A version switch on a context that already has the size and sequences needed: llama.cpp
   * replaces the adapters of the live context (re-planning its compute graph before the next
   * decode), so the KV cache is not allocated again. What the sequences evaluated under the
   * previous adapters is cleared: it is not what the new ones would have computed. A refused
   * adapter leaves the lane as it was; a lane that cannot be cleared is disposed (rebuilt next time).
   */
  async function switchAdaptersInPlace(lane: Lane, adapters: AdapterToApply[], adapterKey: string): Promise<void> {
    await replaceContextAdapters(lane.context!, adapters);
    lane.adapterKey = adapterKey;
    lane.adapterLabels = adapters.map(adapterLabel);
    try {
      await Promise.all(lane.sequences.filter((sequence) => !sequence.disposed).map((sequence) => sequence.clearHistory()));
    } catch (error) {
      await disposeLane(lane);
      throw error;
    }
  }

  async function disposeLane(lane: Lane): Promise<void> {
    const context = lane.context;
    lane.context = null;
    lane.sequences = [];
    await context?.dispose();
  }

  async function acquireContextNow(modelId: number, contextSize: number, adapters: AdapterToApply[], placement: Required<ContextPlacement>): Promise<AcquiredContext> {
    if (loaded?.model.disposed) {
      // llama.cpp failed or was torn down under us: say so instead of using a dead handle.
      loaded = null;
      state = 'failed';
      lastError = { code: 'RUNTIME_FAILED', message: 'The model stopped working. Load it again.' };
      await notify();
    }
    if (!loaded || loaded.modelId !== modelId) {
      throw new ApiError('MODEL_NOT_LOADED', 'The model of this session is not loaded. Load it on the Models screen first.', { modelId });
    }
    const current = loaded;
    const { slot, lane: laneIndex } = placement;
    const lane = current.lanes[laneIndex];
    // The A/B lane's memory is given back as soon as lane 0 serves anything but an A/B round.
    if (laneIndex === 0 && !placement.keepSideLane && current.lanes[1].context) await disposeLane(current.lanes[1]);
    const wanted = Math.min(contextSize, current.model.trainContextSize || contextSize);
    if (lane.context?.disposed) {
      lane.context = null;
      lane.sequences = [];
    }
    // Another version (or the base after a version) is other adapters on the same loaded model,
    // not a reload: applied to the live context when it fits, else on a new context.
    const adapterKey = adapters.length ? JSON.stringify(adapters.map((a) => [a.filePath, a.scale ?? 1])) : '';
    const needed = Math.max(placement.sequences, slot + 1);
    const fits = lane.context !== null && lane.context.contextSize === wanted && lane.context.totalSequences >= needed;
    // Whatever still runs on a context being replaced or switched is stopped first. Within an A/B
    // round nothing else can run (the chat claims the model for the pair), and the other lane's
    // answer must go on.
    const stopOthers = laneIndex === 0 && !placement.keepSideLane && activeGenerations.size > 0;
    if (fits && lane.adapterKey !== adapterKey && canReplaceAdapters(lane.context!)) {
      if (stopOthers) await stopGenerations();
      await switchAdaptersInPlace(lane, adapters, adapterKey);
      if (laneIndex === 0) setImmediate(() => void notify());
    }
    const replacing = lane.context !== null && (!fits || lane.adapterKey !== adapterKey);
    // Settings are read only when a context is created (an answer that reuses the context pays
    // no read), and while the old one is disposed: a new context waits for neither twice.
    const settingsRead = replacing || !lane.context ? options.getSettings() : null;
    // Awaited below; a dispose that throws first must not leave its rejection unhandled.
    settingsRead?.catch(() => {});
    if (replacing) {
      if (stopOthers) await stopGenerations();
      await disposeLane(lane);
    }
    if (!lane.context) {
      const settings = await settingsRead!;
      // Two lanes answering at once share the llama instance's threads (node-llama-cpp divides
      // its maxThreads between concurrent evaluations), so neither oversubscribes the cores.
      const contextOptions = { contextSize: wanted, sequences: needed, threads: resolveThreads(settings), flashAttention: flashAttentionOption(settings), batching: { dispatchSchedule: decodeWhenAllGenerating(() => lane.context) } };
      // Switching versions shows in the status bar: as a load when it takes long enough to see (a
      // large context on a big model), and then with the new adapters. Neither notification sits
      // on the switch's own path.
      const switching = laneIndex === 0 && adapterKey !== lane.adapterKey;
      const showLoading = switching
        ? setTimeout(() => {
            state = 'loading';
            progress = 0;
            void notify();
          }, visibleSwitchMs)
        : undefined;
      try {
        lane.context = adapters.length ? await createContextWithAdapters(current.model, adapters, contextOptions) : await current.model.createContext(contextOptions);
        lane.adapterKey = adapterKey;
        lane.adapterLabels = adapters.map(adapterLabel);
      } catch (error) {
        const { InsufficientMemoryError } = await loadLlamaModule();
        if (error instanceof InsufficientMemoryError) throw new ApiError('MODEL_TOO_BIG', `Not enough memory for another context of this model: ${error.message}`, undefined, { cause: error });
        throw error;
      } finally {
        if (switching) {
          clearTimeout(showLoading);
          state = 'loaded';
          progress = 1;
          setImmediate(() => void notify());
        }
      }
    }
    const context = lane.context;
    while (lane.sequences.length <= slot) lane.sequences.push(context.getSequence());
    if (lane.sequences[slot]!.disposed) lane.sequences[slot] = context.getSequence();
    return { model: current.model, context, sequence: lane.sequences[slot]!, chatWrapper: current.chatWrapper, promptFormat: current.promptFormat };
  }

  /** Registers a running generation so unload() can stop it before freeing the model. */
  function trackGeneration(abort: () => void, done: Promise<unknown>): void {
    const entry = { abort, done };
    activeGenerations.add(entry);
    void done.finally(() => activeGenerations.delete(entry)).catch(() => {});
  }

  return {
    status,
    loadedModelId: () => loaded?.modelId ?? null,

    async load(request: LoadRequest): Promise<RuntimeStatus> {
      if (pendingLoad) throw new ApiError('MODEL_BUSY', 'Another model is being loaded; wait for it or cancel it.');
      if (loaded?.modelId === request.modelId) return status();
      state = 'loading';
      progress = 0;
      loadingModelId = request.modelId;
      lastError = null;
      await notify();
      pendingLoad = (async () => {
        await unloadNow();
        await doLoad(request);
      })();
      try {
        await pendingLoad;
        state = 'loaded';
        progress = 1;
      } catch (error) {
        state = 'failed';
        const apiError = error instanceof ApiError ? error : new ApiError('RUNTIME_FAILED', String(error));
        lastError = apiError.code === 'CANCELLED' ? null : { code: apiError.code, message: apiError.message };
        if (apiError.code === 'CANCELLED') state = 'idle';
        throw apiError;
      } finally {
        pendingLoad = null;
        loadingModelId = null;
        await notify();
      }
      return status();
    },

    async unload(): Promise<RuntimeStatus> {
      await unloadNow();
      state = 'idle';
      progress = 0;
      lastError = null;
      await notify();
      return status();
    },

    /**
     * The model and a context of at least `contextSize` tokens for the loaded model, and its
     * sequence `slot` of a context holding at least `sequences` of them, on `lane`. A context of
     * another size, with other adapters or with too few sequences is replaced (sessions of
     * different workspaces may ask for different sizes; a batch run asks for several sequences,
     * answered in one batch).
     */
    acquireContext(modelId: number, contextSize: number, adapters: AdapterToApply[] = [], placement: ContextPlacement = {}): Promise<AcquiredContext> {
      const resolved: Required<ContextPlacement> = { slot: placement.slot ?? 0, sequences: Math.max(1, placement.sequences ?? 1), lane: placement.lane ?? 0, keepSideLane: placement.keepSideLane ?? false };
      // Serialized: parallel answers of a batch run must not each create a context of their own.
      const acquired = contextLock.then(() => acquireContextNow(modelId, contextSize, adapters, resolved));
      contextLock = acquired.catch(() => {});
      return acquired;
    },

    /**
     * Runs `work` on `request`'s model in a context of its own: the loaded model when it is that
     * one (without the adapters of any version), otherwise the model loaded beside it for the
     * length of `work` and freed after. The chat and batch contexts are left alone; unloading
     * the shared model aborts `work` first.
     */
    async withModel<T>(request: Omit<LoadRequest, 'onProgress'>, contextSize: number, work: (side: SideModel, signal: AbortSignal) => Promise<T>): Promise<T> {
      const settings = await options.getSettings();
      // The loaded model's llama instance is kept: replacing it would free the model under the chat.
      const instance = loaded && !loaded.model.disposed ? llama! : await ensureLlama(settings);
      const shared = loaded && loaded.modelId === request.modelId && !loaded.model.disposed ? loaded.model : null;
      let model = shared;
      if (!model) {
        const available = os.totalmem() - process.memoryUsage.rss() + (instance.gpu ? (await instance.getVramState()).free : 0);
        if (request.weightBytes > available) {
          throw new ApiError('MODEL_TOO_BIG', `The judge model needs ${formatBytes(request.weightBytes)} of memory beside the loaded model; ${formatBytes(available)} is free.`, { needed: request.weightBytes, available });
        }
        try {
          model = await instance.loadModel({ modelPath: request.filePath, gpuLayers: settings.gpuLayers, ...(request.signal ? { loadSignal: request.signal } : {}) });
        } catch (error) {
          if (request.signal?.aborted) throw new ApiError('CANCELLED', 'Loading the model was cancelled.');
          throw new ApiError('RUNTIME_FAILED', `llama.cpp could not load the model: ${error instanceof Error ? error.message : String(error)}`, undefined, { cause: error });
        }
      }
      const controller = new AbortController();
      const signal = request.signal ? AbortSignal.any([request.signal, controller.signal]) : controller.signal;
      const done = (async () => {
        const context = await model.createContext({ contextSize: Math.min(contextSize, model.trainContextSize || contextSize), sequences: 1, threads: resolveThreads(settings), flashAttention: flashAttentionOption(settings) });
        try {
          return await work({ llama: instance, model, sequence: context.getSequence() }, signal);
        } finally {
          await context.dispose();
          if (!shared) await model.dispose();
        }
      })();
      // Only the shared model can be unloaded from under the work; its own model is freed above.
      if (shared) trackGeneration(() => controller.abort(), done);
      return done;
    },

    trackGeneration,

    /** Test and diagnostics access to the live llama.cpp objects. */
    internals: () => ({ llama, loaded }),

    async dispose(): Promise<void> {
      await unloadNow();
      if (llama) await llama.dispose();
      llama = null;
    },
  };
}

export type LlamaRuntime = ReturnType<typeof createLlamaRuntime>;
