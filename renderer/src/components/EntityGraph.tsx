import { Badge, Button, Group, Paper, Text, useComputedColorScheme, useMantineTheme } from '@mantine/core';
import type { Core, StylesheetJson } from 'cytoscape';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

/** An entity drawn as a node; `mentions` (documents mentioning it) sizes it when given. */
export interface EntityGraphNode {
  id: string;
  label: string;
  type: string;
  description: string;
  mentions?: number;
}

/** A relation drawn as a directed edge from `source` to `target` (node ids). */
export interface EntityGraphEdge {
  source: string;
  target: string;
  label: string;
}

/** Type colours in order of the types' first appearance (the most mentioned entities' types first). */
const palette = ['indigo', 'teal', 'orange', 'grape', 'cyan', 'pink', 'lime', 'red', 'blue', 'yellow'] as const;

interface Colours {
  text: string;
  muted: string;
  panel: string;
  /** Each type's colour, in the legend's order. */
  types: Map<string, string>;
  fallback: string;
}

function nodeSize(mentions: number | undefined): number {
  return mentions === undefined ? 26 : Math.min(64, 20 + 12 * Math.log2(Math.max(1, mentions)));
}

/** The whole graph in the box; a small graph stays at a readable size in the middle instead of being blown up. */
function fitView(cy: Core) {
  cy.fit(undefined, 36);
  if (cy.zoom() > 1.2) {
    cy.zoom(1.2);
    cy.center();
  }
}

/**
 * Turns the laid-out drawing so its long axis lies along the box's (force layouts end at any
 * angle), then spreads it (at most 2.5 times) along the axis where the box has room to spare.
 */
function stretch(cy: Core, aspect: number) {
  if (cy.nodes().length < 3) return;
  const points = cy.nodes().map((node) => node.position());
  const mx = points.reduce((sum, p) => sum + p.x, 0) / points.length;
  const my = points.reduce((sum, p) => sum + p.y, 0) / points.length;
  const [xx, yy, xy] = points.reduce(([a, b, c], p) => [a + (p.x - mx) ** 2, b + (p.y - my) ** 2, c + (p.x - mx) * (p.y - my)], [0, 0, 0]);
  const angle = 0.5 * Math.atan2(2 * xy, xx - yy) - (aspect < 1 ? Math.PI / 2 : 0);
  const [cos, sin] = [Math.cos(-angle), Math.sin(-angle)];
  cy.nodes().positions((node) => {
    const { x, y } = node.position();
    return { x: mx + (x - mx) * cos - (y - my) * sin, y: my + (x - mx) * sin + (y - my) * cos };
  });
  const box = cy.nodes().boundingBox({ includeLabels: false });
  if (box.w <= 0 || box.h <= 0) return;
  const sx = Math.min(2.5, Math.max(1, (aspect * box.h) / box.w));
  const sy = Math.min(2.5, Math.max(1, box.w / (aspect * box.h)));
  const cx = box.x1 + box.w / 2;
  const cy0 = box.y1 + box.h / 2;
  cy.nodes().positions((node) => ({ x: cx + (node.position('x') - cx) * sx, y: cy0 + (node.position('y') - cy0) * sy }));
}

function stylesheet(colours: Colours, fontFamily: string): StylesheetJson {
  return [
    {
      selector: 'node',
      style: {
        'background-color': colours.fallback,
        width: 'data(size)',
        height: 'data(size)',
        label: 'data(label)',
        'font-family': fontFamily,
        'font-size': 12,
        color: colours.text,
        'text-valign': 'bottom',
        'text-margin-y': 4,
        'text-wrap': 'ellipsis',
        'text-max-width': '140px',
        'text-outline-color': colours.panel,
        'text-outline-width': 2,
        'border-width': 1,
        'border-color': colours.panel,
      },
    },
    {
      selector: 'edge',
      style: {
        width: 1.5,
        'curve-style': 'bezier',
        'line-color': colours.muted,
        'target-arrow-color': colours.muted,
        'target-arrow-shape': 'triangle',
        'arrow-scale': 1.1,
        label: 'data(label)',
        'font-family': fontFamily,
        'font-size': 10,
        color: colours.muted,
        'text-rotation': 'autorotate',
        'text-background-color': colours.panel,
        'text-background-opacity': 1,
        'text-background-padding': '2px',
        // A crowded, zoomed-out graph drops its relation names until zoomed in (the chosen node's stay).
        'min-zoomed-font-size': 7,
      },
    },
    // By the type's place in the legend, so a change of colour scheme restyles the graph without drawing it again.
    ...[...colours.types.values()].map((colour, i) => ({ selector: `node[kind = ${i}]`, style: { 'background-color': colour } })),
    { selector: '.faded', style: { opacity: 0.15 } },
    { selector: 'node.chosen', style: { 'border-width': 3, 'border-color': colours.text, 'font-weight': 'bold' } },
    { selector: 'edge.highlighted', style: { 'line-color': colours.text, 'target-arrow-color': colours.text, color: colours.text, width: 2.5, 'min-zoomed-font-size': 0 } },
  ];
}

/**
 * Entities and their relations drawn with cytoscape: nodes sized by mentions, coloured by type
 * (with a legend), a deterministic layout fitted to the box. Clicking a node highlights it and its
 * neighbours and shows its details (unless `details` is off, where a table beside it shows them). The container carries what was drawn (data-nodes, data-edges,
 * data-positions) so tests can check the drawing itself.
 */
export function EntityGraph({ nodes, edges, height = 360, details = true }: { nodes: EntityGraphNode[]; edges: EntityGraphEdge[]; height?: number; details?: boolean }) {
  const { t } = useTranslation();
  const theme = useMantineTheme();
  const scheme = useComputedColorScheme('light');
  const box = useRef<HTMLDivElement>(null);
  const cyRef = useRef<Core | null>(null);
  const [chosen, setChosen] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);

  const colours = useMemo<Colours>(() => {
    const shade = scheme === 'dark' ? 4 : 6;
    const types = new Map<string, string>();
    for (const node of nodes) {
      if (!types.has(node.type)) types.set(node.type, palette[types.size] ? theme.colors[palette[types.size]!]![shade]! : theme.colors.gray![5]!);
    }
    const fallback = theme.colors.gray![5]!;
    return scheme === 'dark'
      ? { text: '#c1c2c5', muted: '#909296', panel: '#25262b', types, fallback }
      : { text: '#1d2433', muted: '#6b7385', panel: '#ffffff', types, fallback };
  }, [nodes, scheme, theme]);

  // Only what is drawn re-creates the graph (a refresh with the same answer keeps it as it is).
  const drawing = JSON.stringify({
    nodes: nodes.map((node) => ({ id: node.id, label: node.label, kind: [...colours.types.keys()].indexOf(node.type), size: nodeSize(node.mentions) })),
    edges: edges.filter((edge) => nodes.some((node) => node.id === edge.source) && nodes.some((node) => node.id === edge.target)),
  });
  const style = useMemo(() => stylesheet(colours, theme.fontFamily ?? 'sans-serif'), [colours, theme.fontFamily]);
  const styleRef = useRef(style);
  styleRef.current = style;

  useEffect(() => {
    const container = box.current;
    if (!container) return;
    const { nodes: drawnNodes, edges: drawnEdges } = JSON.parse(drawing) as { nodes: Array<{ id: string; label: string; kind: number; size: number }>; edges: EntityGraphEdge[] };
    let cy: Core | null = null;
    let cancelled = false;
    let observer: ResizeObserver | null = null;
    setChosen(null);
    // Tells tests (and nothing else) what cytoscape drew and where, in the container's pixels.
    const record = () => {
      if (!cy) return;
      container.dataset['nodeCount'] = String(cy.nodes().length);
      container.dataset['edgeCount'] = String(cy.edges().length);
      container.dataset['nodes'] = JSON.stringify(cy.nodes().map((node) => node.data('label') as string));
      container.dataset['edges'] = JSON.stringify(cy.edges().map((edge) => `${edge.source().data('label') as string} → ${edge.data('label') as string} → ${edge.target().data('label') as string}`));
      container.dataset['positions'] = JSON.stringify(cy.nodes().map((node) => ({ label: node.data('label') as string, ...node.renderedPosition() })));
      container.dataset['highlighted'] = JSON.stringify(cy.nodes('.highlighted').map((node) => node.data('label') as string));
    };
    const fit = () => {
      if (!cy) return;
      cy.resize();
      fitView(cy);
      record();
    };
    void import('cytoscape').then(({ default: cytoscape }) => {
      if (cancelled) return;
      // Start on a circle, in the given order, so the force layout below always ends the same way.
      // (an ellipse shaped like the box, which the drawing then fills).
      const aspect = container.clientWidth > 0 && container.clientHeight > 0 ? container.clientWidth / container.clientHeight : 2;
      const radius = 60 + 12 * drawnNodes.length;
      cy = cytoscape({
        container,
        elements: [
          ...drawnNodes.map((node, i) => ({
            group: 'nodes' as const,
            data: node,
            position: { x: radius * aspect * Math.cos((2 * Math.PI * i) / drawnNodes.length), y: radius * Math.sin((2 * Math.PI * i) / drawnNodes.length) },
          })),
          ...drawnEdges.map((edge, i) => ({ group: 'edges' as const, data: { id: `r${i}`, ...edge } })),
        ],
        style: styleRef.current,
        layout: { name: 'preset' },
        minZoom: 0.2,
        maxZoom: 3,
        boxSelectionEnabled: false,
      });
      cyRef.current = cy;
      cy.layout({
        name: 'cose',
        randomize: false,
        animate: false,
        fit: false,
        nodeDimensionsIncludeLabels: true,
        idealEdgeLength: () => 70,
        nodeRepulsion: () => 20_000,
        componentSpacing: 60,
        gravity: 0.6,
      }).run();
      stretch(cy, aspect);
      const current = cy;
      current.on('tap', 'node', (event) => {
        const node = event.target as import('cytoscape').NodeSingular;
        const near = node.closedNeighborhood();
        current.elements().removeClass('faded highlighted chosen');
        current.elements().not(near).addClass('faded');
        near.addClass('highlighted');
        node.addClass('chosen');
        setChosen(node.id());
        record();
      });
      current.on('tap', (event) => {
        if (event.target !== current) return;
        current.elements().removeClass('faded highlighted chosen');
        setChosen(null);
        record();
      });
      current.on('dragfree pan zoom', record);
      fit();
      observer = new ResizeObserver(fit);
      observer.observe(container);
    }, () => {
      if (!cancelled) setFailed(true);
    });
    return () => {
      cancelled = true;
      observer?.disconnect();
      cy?.destroy();
      cyRef.current = null;
    };
  }, [drawing]);

  useEffect(() => {
    cyRef.current?.style(style);
  }, [style]);

  const chosenNode = nodes.find((node) => node.id === chosen);
  const chosenRelations = chosenNode
    ? edges.flatMap((edge) => {
        const label = (id: string) => nodes.find((node) => node.id === id)?.label ?? id;
        return edge.source === chosenNode.id || edge.target === chosenNode.id ? [`${label(edge.source)} → ${edge.label} → ${label(edge.target)}`] : [];
      })
    : [];

  return (
    <div className="entity-graph" style={{ display: 'flex', gap: 12, flexWrap: 'wrap', alignItems: 'stretch' }}>
      <div style={{ flex: '3 1 420px', minWidth: 0, position: 'relative' }}>
        <div
          ref={box}
          role="img"
          aria-label={t('graph.graphLabel', { nodes: nodes.length, edges: edges.length })}
          data-testid="entity-graph"
          style={{ height, border: '1px solid var(--line)', borderRadius: 'var(--radius)', background: 'var(--panel)' }}
        />
        <Button size="compact-xs" variant="default" style={{ position: 'absolute', top: 6, right: 6 }} onClick={() => cyRef.current && fitView(cyRef.current)}>
          {t('graph.fit')}
        </Button>
        {failed && <Text size="sm" c="red">{t('graph.drawFailed')}</Text>}
        <Group gap="md" mt={6} data-testid="entity-graph-legend">
          {[...colours.types].map(([type, colour]) => (
            <Group key={type} gap={6} wrap="nowrap">
              <span aria-hidden style={{ width: 10, height: 10, borderRadius: '50%', background: colour, display: 'inline-block' }} />
              <Text size="xs">{type}</Text>
            </Group>
          ))}
          {nodes.some((node) => node.mentions !== undefined) && <Text size="xs" c="dimmed">{t('graph.sizeHint')}</Text>}
        </Group>
      </div>
      {details && (
        <Paper withBorder p="sm" style={{ flex: '1 1 220px' }} data-testid="entity-graph-detail">
          {chosenNode ? (
            <>
              <Text fw={600} mb={4}>{chosenNode.label}</Text>
              <Group gap={6} mb={6}>
                <Badge variant="light" color={palette[[...colours.types.keys()].indexOf(chosenNode.type)] ?? 'gray'}>{chosenNode.type}</Badge>
                {chosenNode.mentions !== undefined && <Text size="xs" c="dimmed">{t('graph.mentionedIn', { count: chosenNode.mentions })}</Text>}
              </Group>
              <Text size="sm" mb={6} data-testid="entity-graph-description">{chosenNode.description || '–'}</Text>
              {chosenRelations.length > 0 && (
                <ul className="small" style={{ margin: 0, paddingLeft: 16 }}>
                  {chosenRelations.map((relation, i) => <li key={i}>{relation}</li>)}
                </ul>
              )}
            </>
          ) : (
            <Text size="sm" c="dimmed">{t('graph.pick')}</Text>
          )}
        </Paper>
      )}
    </div>
  );
}
