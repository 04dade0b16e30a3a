// Groups of organisations (an operation, a working party): the groups the organisation may see,
// and a form to make one. Groups are audiences: an object shared with a group reaches its members.
import { useEffect, useState } from 'preact/hooks';
import { can, get, isMember, PERM, request, type Session } from '../api';
import type { Group } from '../coop';
import { ErrorBox, Section, Time, useAsync } from '../components/common';
import { ListState } from '../components/lists';
import { Checkboxes, useAction } from '../components/form';
import { AudienceText, cleanAudience, DEFAULT_AUDIENCE, MarkingEditor, markingProblem, OrgLink, TlpBadge, useDirectory, type Marking } from '../components/coop';
import { t, tn } from '../i18n';
import { markReady } from '../ready';

function NewGroup({ session, onDone }: { session: Session; onDone: () => void }) {
  const dir = useDirectory();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [members, setMembers] = useState<string[]>([session.organisation]);
  const [marking, setMarking] = useState<Marking>({ tlp: 'GREEN', audience: { ...DEFAULT_AUDIENCE, kind: 'network' } });
  const { error, run } = useAction({ busy: false });
  const orgs = (dir.data ?? []).filter((p) => p.membership === 'member').map((p) => p.name);
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await request('POST', '/api/v1/groups', {
        name: name.trim(), description: description.trim(), members, tlp: marking.tlp, audience: cleanAudience(marking.audience),
      });
      setName('');
      setDescription('');
      setMembers([session.organisation]);
      onDone();
    });
  };
  return (
    <form class="stack-form" onSubmit={submit} data-testid="group-form">
      <div class="form-row">
        <label class="grow">{t('groups.name')} <input required value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} data-testid="group-name" /></label>
        <label class="grow">{t('groups.description')} <input value={description} onInput={(e) => setDescription((e.target as HTMLInputElement).value)} /></label>
      </div>
      <Checkboxes legend={t('groups.members')} values={orgs} checked={members} onChange={setMembers} label={(o) => o} testid="group-members" />
      <MarkingEditor value={marking} onChange={setMarking} own={session.organisation} idPrefix="group" />
      <ErrorBox error={error} />
      <button type="submit" disabled={!!markingProblem(marking.tlp, marking.audience)} data-testid="group-submit">{t('groups.create')}</button>
    </form>
  );
}

export function Groups({ session }: { session: Session }) {
  const list = useAsync(() => get<{ items: Group[] }>('/api/v1/groups', { limit: 500 }), []);
  useEffect(() => {
    if (list.data) markReady('groups');
  }, [list.data]);
  const items = (list.data?.items ?? []).filter((g) => g.status === 'active');
  return (
    <section>
      <h1>{t('groups.title')}</h1>
      <p class="muted">{t('groups.intro')}</p>
      <ListState list={list} count={items.length} empty={t('groups.empty')}>
        <table class="data" data-testid="groups-table">
          <thead>
            <tr>
              <th scope="col">{t('groups.name')}</th><th scope="col">{t('groups.members')}</th>
              <th scope="col">{t('case.owner')}</th><th scope="col">{t('marking.tlp')}</th>
              <th scope="col">{t('marking.audience')}</th><th scope="col">{t('admin.created')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((g) => (
              <tr data-id={g.id}>
                <th scope="row">{g.name}{g.description && <div class="muted small">{g.description}</div>}</th>
                <td>
                  <span class="visually-hidden">{tn('count.organisations', g.members?.length ?? 0)}: </span>
                  {(g.members ?? []).map((m, i) => <>{i > 0 && ', '}<OrgLink name={m} /></>)}
                </td>
                <td><OrgLink name={g.organisation} /></td>
                <td><TlpBadge tlp={g.tlp} /></td>
                <td><AudienceText audience={g.audience} /></td>
                <td><Time iso={g.created_at} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </ListState>
      {can(session, PERM.manageCases) && !isMember(session) && <p class="muted" data-testid="outside-note">{t('marking.outside')}</p>}
      {can(session, PERM.manageCases) && isMember(session) && (
        <Section title={t('groups.new')} id="new-group">
          <NewGroup session={session} onDone={list.reload} />
        </Section>
      )}
    </section>
  );
}
