import { Badge, Button, Group, Modal, SegmentedControl, Table, Text } from '@mantine/core';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DocumentGraphView, WorkspaceGraphView } from '../../../shared/contract/graph.ts';
import { api, describeError } from '../api.ts';
import { EntityGraph, type EntityGraphEdge, type EntityGraphNode } from '../components/EntityGraph.tsx';
import { ErrorText } from '../components/Field.tsx';

/** A document's entities and relations (named by entity name) as graph nodes and edges. */
function documentDrawing(graph: DocumentGraphView): { nodes: EntityGraphNode[]; edges: EntityGraphEdge[] } {
  const ids = new Map(graph.entities.map((entity, i) => [entity.name, `n${i}`]));
  return {
    nodes: graph.entities.map((entity, i) => ({ id: `n${i}`, label: entity.name, type: entity.type, description: entity.description })),
    edges: graph.relations.flatMap((relation) => {
      const source = ids.get(relation.source);
      const target = ids.get(relation.target);
      return source && target ? [{ source, target, label: relation.relation }] : [];
    }),
  };
}

/** The workspace's entities and relations as graph nodes (sized by mentions) and edges. */
function workspaceDrawing(graph: WorkspaceGraphView): { nodes: EntityGraphNode[]; edges: EntityGraphEdge[] } {
  return {
    nodes: graph.entities.map((entity) => ({ id: `e${entity.id}`, label: entity.name, type: entity.type, description: entity.description, mentions: entity.mentions })),
    edges: graph.relations.map((relation) => ({ source: `e${relation.sourceId}`, target: `e${relation.targetId}`, label: relation.relation })),
  };
}

/** One document's extracted summary, entities and relations (seed 002), or why there are none. */
export function DocumentGraphDialog({ document, onClose }: { document: { id: number; title: string } | null; onClose: () => void }) {
  const { t } = useTranslation();
  const [graph, setGraph] = useState<DocumentGraphView | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const drawing = useMemo(() => (graph ? documentDrawing(graph) : null), [graph]);
  useEffect(() => {
    setGraph(undefined);
    setError(null);
    if (!document) return;
    api.call('documents.graph', { documentId: document.id }).then(setGraph, (caught: unknown) => setError(describeError(caught)));
  }, [document]);
  return (
    <Modal opened={document !== null} onClose={onClose} title={document?.title ?? ''} size="lg" data-testid="document-graph">
      <ErrorText error={error} />
      {graph === null && <Text c="dimmed">{t('graph.notExtracted')}</Text>}
      {graph && (
        <>
          <Group gap="xs" mb="xs">
            <Badge color={graph.outcome === 'extracted' ? 'teal' : graph.outcome === 'summary_only' ? 'yellow' : 'red'} data-testid="graph-outcome">
              {t(`graph.outcomes.${graph.outcome}`)}
            </Badge>
            {graph.reason && <Text size="sm" c="dimmed">{t(`graph.reasons.${graph.reason}`, { defaultValue: graph.reason })}</Text>}
          </Group>
          <Text fw={600}>{t('graph.summary')}</Text>
          <Text mb="sm" data-testid="graph-summary">{graph.summary ?? '–'}</Text>
          <Text fw={600}>{t('graph.entities')}</Text>
          {drawing && drawing.nodes.length > 0 && (
            <div style={{ marginBottom: 12 }}>
              <EntityGraph nodes={drawing.nodes} edges={drawing.edges} height={260} details={false} />
            </div>
          )}
          {graph.entities.length === 0 ? (
            <Text c="dimmed" mb="sm">–</Text>
          ) : (
            <Table withTableBorder mb="sm" data-testid="graph-entities">
              <Table.Tbody>
                {graph.entities.map((entity) => (
                  <Table.Tr key={entity.name}>
                    <Table.Td>{entity.name}</Table.Td>
                    <Table.Td className="muted">{entity.type}</Table.Td>
                    <Table.Td>{entity.description}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          <Text fw={600}>{t('graph.relations')}</Text>
          {graph.relations.length === 0 ? <Text c="dimmed">–</Text> : (
            <ul data-testid="graph-relations">
              {graph.relations.map((relation, i) => (
                <li key={i}>
                  {relation.source} → <em>{relation.relation}</em> → {relation.target}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </Modal>
  );
}

/** The workspace's entities the user may see, most mentioned first, with the relations between them. */
export function WorkspaceEntities({ workspaceId, extraction }: { workspaceId: number; extraction: boolean }) {
  const { t } = useTranslation();
  const [graph, setGraph] = useState<WorkspaceGraphView | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [view, setView] = useState<'graph' | 'list'>('graph');
  const drawing = useMemo(() => (graph ? workspaceDrawing(graph) : null), [graph]);
  const load = useCallback(async () => {
    try {
      setGraph(await api.call('graph.entities', { workspaceId, limit: 100 }));
    } catch (caught) {
      setError(describeError(caught));
    }
  }, [workspaceId]);
  useEffect(() => {
    void load();
  }, [load]);
  const extract = async () => {
    try {
      const { scheduled } = await api.call('graph.extract', { workspaceId });
      setNotice(t('graph.scheduled', { count: scheduled }));
    } catch (caught) {
      setError(describeError(caught));
    }
  };
  return (
    <section className="entities" style={{ marginTop: 16 }} data-testid="workspace-entities">
      <Group justify="space-between" mb="xs">
        <Text fw={600}>{t('graph.workspaceEntities')}</Text>
        <Group gap="xs">
          {graph && graph.entities.length > 0 && (
            <SegmentedControl
              size="xs"
              value={view}
              onChange={(value) => setView(value === 'list' ? 'list' : 'graph')}
              data={[
                { value: 'graph', label: <span data-testid="entity-view-graph">{t('graph.views.graph')}</span> },
                { value: 'list', label: <span data-testid="entity-view-list">{t('graph.views.list')}</span> },
              ]}
              data-testid="entity-view"
            />
          )}
          <Button size="xs" variant="default" onClick={() => void load()}>{t('graph.refresh')}</Button>
          {extraction && <Button size="xs" variant="light" onClick={() => void extract()} data-testid="graph-extract">{t('graph.extractNow')}</Button>}
        </Group>
      </Group>
      {!extraction && <Text size="sm" c="dimmed">{t('graph.off')}</Text>}
      {notice && <Text size="sm" c="teal">{notice}</Text>}
      <ErrorText error={error} />
      {view === 'graph' && drawing && drawing.nodes.length > 0 && <EntityGraph nodes={drawing.nodes} edges={drawing.edges} />}
      {view === 'list' && graph && graph.entities.length > 0 && (
        <Table striped withTableBorder verticalSpacing="xs" data-testid="entity-list">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('graph.entity')}</Table.Th>
              <Table.Th>{t('graph.type')}</Table.Th>
              <Table.Th>{t('graph.mentions')}</Table.Th>
              <Table.Th>{t('graph.relations')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {graph.entities.map((entity) => (
              <Table.Tr key={entity.id} data-testid="entity-row">
                <Table.Td title={entity.description}>{entity.name}</Table.Td>
                <Table.Td className="muted">{entity.type}</Table.Td>
                <Table.Td>{entity.mentions}</Table.Td>
                <Table.Td className="small">
                  {graph.relations
                    .filter((relation) => relation.sourceId === entity.id)
                    .map((relation) => `${relation.relation} → ${relation.target}`)
                    .join(' · ') || '–'}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </section>
  );
}
