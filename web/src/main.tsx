// The application shell: who is signed in, the navigation, the language, and the page for the
// current location. Pages that need the chart, map, MIME or sanitizer libraries are loaded when
// first opened, so the inbox becomes interactive without them.
import { render, type ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { ApiError, can, get, isMemberAgency, PERM, request, setSignedOutHandler, type Session } from './api';
import { getLang, LANGUAGE_NAMES, LANGUAGES, onLangChange, setLang, t, tn, type Key, type Lang } from './i18n';
import { onNoticesChanged, unreadCount } from './notices';
import { match, navigate, onLinkClick, useLocation } from './router';
import { SignIn } from './pages/signin';
import { Inbox } from './pages/inbox';

type Loader = () => Promise<ComponentType<any>>;

const loaded = new Map<Loader, ComponentType<any>>();

function Lazy({ load, props }: { load: Loader; props: Record<string, unknown> }) {
  const [C, setC] = useState<ComponentType<any> | undefined>(() => loaded.get(load));
  const [err, setErr] = useState('');
  useEffect(() => {
    if (C) return;
    load().then((c) => {
      loaded.set(load, c);
      setC(() => c);
    }, (e) => setErr(String(e)));
  }, [load]);
  if (err) return <p class="error" role="alert">{err}</p>;
  if (!C) return <p class="loading" aria-busy="true">{t('common.loading')}</p>;
  return <C {...props} />;
}

// The pages loaded on first use, by path (":name" matches one segment). A page gets the segments,
// the query and the session; it is kept while the location's key stays the same (by default the
// path itself, so another id mounts the page afresh).
const ROUTES: [string, Loader, ((m: Record<string, string>, q: URLSearchParams) => string)?][] = [
  ['/reports/:id', () => import('./pages/report').then((m) => m.ReportPage), () => 'report'],
  ['/campaigns', () => import('./pages/campaigns').then((m) => m.Campaigns)],
  ['/campaigns/:id', () => import('./pages/campaign').then((m) => m.CampaignPage), () => 'campaign'],
  ['/dashboard', () => import('./pages/dashboard').then((m) => m.Dashboard)],
  ['/indicators', () => import('./pages/indicators').then((m) => m.Indicators)],
  ['/upload', () => import('./pages/upload').then((m) => m.Upload)],
  ['/admin', () => import('./pages/admin').then((m) => m.Admin)],
  ['/cases', () => import('./pages/cases').then((m) => m.Cases)],
  ['/cases/:id', () => import('./pages/case').then((m) => m.CasePage)],
  ['/shares', () => import('./pages/shares').then((m) => m.Shares)],
  ['/shares/:id', () => import('./pages/shares').then((m) => m.SharePage)],
  ['/directory', () => import('./pages/directory').then((m) => m.Directory)],
  ['/directory/:name', () => import('./pages/directory').then((m) => m.OrganisationPage)],
  ['/agreements', () => import('./pages/agreements').then((m) => m.Agreements)],
  ['/agreements/:id', () => import('./pages/agreements').then((m) => m.AgreementPage)],
  ['/groups', () => import('./pages/groups').then((m) => m.Groups)],
  ['/meetings', () => import('./pages/meetings').then((m) => m.Meetings)],
  ['/meetings/new', () => import('./pages/meetings').then((m) => m.NewMeeting)],
  ['/meetings/:id', () => import('./pages/meetings').then((m) => m.MeetingPage)],
  ['/referrals', () => import('./pages/referrals').then((m) => m.Referrals)],
  ['/referrals/new', () => import('./pages/referrals').then((m) => m.NewReferral)],
  ['/referrals/:id', () => import('./pages/referrals').then((m) => m.ReferralPage)],
  ['/requests', () => import('./pages/requests').then((m) => m.Requests)],
  ['/requests/new', () => import('./pages/requests').then((m) => m.NewRequest), (_, q) => `request-new-${q.get('kind')}`],
  ['/requests/:id', () => import('./pages/requests').then((m) => m.RequestPage)],
  ['/membership', () => import('./pages/membership').then((m) => m.Membership)],
  ['/notifications', () => import('./pages/notifications').then((m) => m.Notifications)],
  ['/messages', () => import('./pages/messages').then((m) => m.Messages)],
  ['/messages/:conversation', () => import('./pages/messages').then((m) => m.ConversationPage)],
  ['/federation', () => import('./pages/federation').then((m) => m.Federation)],
];

// `show`: what the organisation must be in the network for the page to be offered.
const NAV: { path: string; key: Key; perm?: string; show?: (s: Session) => boolean }[] = [
  { path: '/inbox', key: 'nav.inbox', perm: 'read reports' },
  { path: '/dashboard', key: 'nav.dashboard', perm: 'look up indicators and aggregates' },
  { path: '/campaigns', key: 'nav.campaigns', perm: 'read reports' },
  { path: '/indicators', key: 'nav.indicators', perm: 'look up indicators and aggregates' },
  { path: '/cases', key: 'nav.cases', perm: PERM.cooperate },
  { path: '/shares', key: 'nav.shares', perm: PERM.cooperate },
  { path: '/directory', key: 'nav.directory', perm: PERM.cooperate },
  { path: '/agreements', key: 'nav.agreements', perm: PERM.cooperate },
  { path: '/groups', key: 'nav.groups', perm: PERM.cooperate },
  { path: '/meetings', key: 'nav.meetings', perm: PERM.cooperate, show: (s) => s.membership === 'member' },
  { path: '/referrals', key: 'nav.referrals', perm: PERM.cooperate, show: isMemberAgency },
  { path: '/requests', key: 'nav.requests', perm: PERM.cooperate, show: (s) => s.membership === 'member' },
  { path: '/messages', key: 'nav.messages', perm: PERM.cooperate },
  { path: '/membership', key: 'nav.membership', perm: PERM.cooperate },
  { path: '/upload', key: 'nav.upload', perm: 'submit reports' },
  { path: '/admin', key: 'nav.admin', perm: 'manage users and tokens' },
  { path: '/federation', key: 'nav.federation', perm: PERM.operateNode },
];

function Page({ session }: { session: Session }) {
  const loc = useLocation();
  const path = loc.path;
  if (path === '/' || path === '/inbox') return <Inbox query={loc.query} session={session} />;
  for (const [pattern, load, key] of ROUTES) {
    const m = match(pattern, path);
    if (m) return <Lazy key={key ? key(m, loc.query) : path} load={load} props={{ ...m, query: loc.query, session }} />;
  }
  return (
    <section>
      <h1>{t('common.notFound')}</h1>
      <p><a href="/inbox">{t('nav.inbox')}</a></p>
    </section>
  );
}

function LanguageSwitch() {
  return (
    <label class="lang">
      <span class="visually-hidden">{t('shell.language')}</span>
      <select value={getLang()} onChange={(e) => setLang((e.target as HTMLSelectElement).value as Lang)}
        data-testid="language">
        {(Object.keys(LANGUAGES) as Lang[]).map((l) => <option value={l} lang={l}>{LANGUAGE_NAMES[l]}</option>)}
      </select>
    </label>
  );
}

// The header's link to the notifications, with how many are unread; counted again every minute
// and when the notifications page marks some read.
function NoticesLink({ session, current }: { session: Session; current: boolean }) {
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    const count = () => unreadCount().then((c) => live && setN(c), () => undefined);
    void count();
    const timer = setInterval(count, 60000);
    const off = onNoticesChanged(count);
    return () => {
      live = false;
      clearInterval(timer);
      off();
    };
  }, [session.organisation, session.user]);
  return (
    <a class="notices-link" href="/notifications" aria-current={current ? 'page' : undefined} data-testid="notices-link" data-count={n}>
      {t('nav.notifications')}
      {n > 0 && <span class="count-badge" data-testid="notices-count" aria-hidden="true">{n > 99 ? '99+' : String(n)}</span>}
      {n > 0 && <span class="visually-hidden"> {tn('shell.unread', n)}</span>}
    </a>
  );
}

function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [, setLangTick] = useState(0);
  const loc = useLocation();
  useEffect(() => onLangChange(() => setLangTick((n) => n + 1)), []);
  useEffect(() => {
    setSignedOutHandler(() => setSession(null));
    get<Session>('/api/v1/session').then((s) => setSession(s), (e) => {
      if (e instanceof ApiError && e.status === 401) setSession(null);
      else setSession(null);
    });
  }, []);
  useEffect(() => {
    const title = document.querySelector('main h1')?.textContent;
    document.title = title ? `${title} · Lapis` : 'Lapis';
  });
  if (session === undefined) return <p class="loading" aria-busy="true">{t('common.loading')}</p>;
  if (session === null || loc.path === '/signin')
    return (
      <div class="signin-shell">
        <header class="signin-lang"><LanguageSwitch /></header>
        <SignIn onSignedIn={(s) => {
          setSession(s);
          if (loc.path === '/signin') navigate('/inbox', true);
        }} />
      </div>
    );
  const signOut = async () => {
    try {
      await request('DELETE', '/api/v1/session');
    } catch {
      // The session may have ended already; signed out either way.
    }
    setSession(null);
    navigate('/inbox', true);
  };
  return (
    <div class="shell" onClick={onLinkClick}>
      <a class="skip" href="#main">{t('shell.skip')}</a>
      <header class="top">
        <a class="brand" href="/inbox">Lapis</a>
        <nav aria-label={t('shell.navigation')}>
          <ul>
            {NAV.filter((n) => can(session, n.perm) && (!n.show || n.show(session))).map((n) => (
              <li>
                <a href={n.path} aria-current={loc.path.startsWith(n.path) || (n.path === '/inbox' && loc.path === '/') ? 'page' : undefined}>
                  {t(n.key)}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        {can(session, PERM.cooperate) && <NoticesLink session={session} current={loc.path === '/notifications'} />}
        <div class="who" data-testid="who">
          <span class="user">{session.user ?? session.actor}</span>
          <span class="org" title={t('shell.organisation')}>{session.organisation}</span>
          <span class="role badge">{t(`role.${session.role}` as Key)}</span>
        </div>
        <LanguageSwitch />
        <button type="button" class="secondary" onClick={signOut}>{t('shell.signOut')}</button>
      </header>
      <main id="main" tabIndex={-1}>
        <Page session={session} />
      </main>
    </div>
  );
}

render(<App />, document.getElementById('app')!);
