/*
 * staff-page.js — the life of a staff page (/console, /oncall), which both pages share:
 * the sign-in form, the switch between the sign-in view and the page, the session kept
 * from an earlier visit (checked with /me before it is trusted), an ended session
 * (any 401) and the words that follow a language change. The page gives only what
 * differs: what it shows once signed in, what it forgets when signed out, what it
 * re-words.
 *
 * Markup it expects: #signin-view (empty, with the i18n key of its introduction in
 * data-intro: staff.js initSignIn() builds the form in it), #app-view,
 * #staff-controls, #page-title and #live-status.
 */

import { initShell } from './shell.js';
import { onLanguageChange } from './i18n.js';
import { t, byId, api, currentSession, onUnauthorized, initSignIn, renderLiveStatus, startTicker } from './staff.js';

/**
 * Starts a staff page. `page`:
 *   roles         the roles that may use it (others are signed out at sign-in);
 *   titleKey      the i18n key of document.title;
 *   wrongRoleKey  the i18n key of the message for a person of another role;
 *   wire()        adds the page's own listeners (before the shell starts);
 *   signedIn(s)   shows the page for session `s` (the views are switched already);
 *   signedOut()   forgets what the page held (before the sign-in form shows);
 *   reword()      re-renders the signed-in page's words after a language change;
 *   reworded()    optional, re-words the rest after the sign-in form (signed in or not);
 *   failed(err)   optional, shows an error of the /me check that is not a 401.
 * Returns {showSignedIn(s, {focus}), showSignedOut(noticeKey)} for the page's own moves.
 */
export function startStaffPage(page) {
  let session = null;

  function showSignedIn(s, { focus = false } = {}) {
    session = s;
    byId('signin-view').hidden = true;
    byId('app-view').hidden = false;
    byId('staff-controls').hidden = false;
    page.signedIn(s);
    if (focus) byId('page-title').focus();
  }

  const signin = initSignIn({
    roles: page.roles,
    onSignedIn: (s) => showSignedIn(s, { focus: true }),
    wrongRole: () => t(page.wrongRoleKey),
  });

  function showSignedOut(noticeKey) {
    session = null;
    page.signedOut();
    byId('app-view').hidden = true;
    byId('staff-controls').hidden = true;
    byId('signin-view').hidden = false;
    signin.reset(noticeKey);
    byId('signin-username').focus();
  }

  page.wire();
  onUnauthorized(() => showSignedOut('staff.signin.ended'));
  onLanguageChange(() => {
    document.title = t(page.titleKey);
    const live = byId('live-status');
    if (live.dataset.state) renderLiveStatus(live, live.dataset.state); // its words follow the language too
    if (session) page.reword();
    signin.render();
    if (page.reworded) page.reworded();
  });

  (async () => {
    await initShell();
    document.title = t(page.titleKey);
    startTicker();
    const s = currentSession();
    if (!s || !page.roles.includes(s.role)) {
      showSignedOut(null);
      return;
    }
    // The stored session may have ended: /me says so (and a 401 shows the form).
    try {
      await api.get('/api/v1/me');
      showSignedIn(s);
    } catch (err) {
      if (err && err.status === 401) return; // the listener showed the form
      showSignedIn(s);
      if (page.failed) page.failed(err);
    }
  })();

  return { showSignedIn, showSignedOut };
}
