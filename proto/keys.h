/*
 * keys: every Redis key answer24 uses, in one place.
 *
 * Per-ticket keys are formed with a24_key(buf, A24_KEY_TICKET, id). Every Lua script
 * is built with a table K of these same #defines (K.KEY_TICKET), generated from this
 * file, so this header stays the only list. answer24 runs on one Redis primary, so
 * scripts may also touch keys of ids they find on their way (not only KEYS).
 *
 * a24:t:<id>          hash: the ticket (state, category, language, crisis, deadlines,
 *                     the access code's keyed hash, sealed texts); see ticket.h
 * a24:t:<id>:msgs     list: the conversation after the question, oldest first; each
 *                     element "<who>:<ms>:<sealed text>" (who: c citizen, e expert)
 * a24:t:<id>:notes    list: internal notes, sealed, never shown to the citizen
 * a24:t:<id>:audit    list: the audit trail, "<ms> <actor> <event> <from> <to>", no text
 * a24:intake          stream: one entry per ticket that needs routing
 * a24:schedule        sorted set: member a ticket id, score the ms of its next step
 * a24:idem:<tag>      hash: an Idempotency-Key's stored outcome (24 h)
 * a24:rate:<kind>:<tag>  string counter: a rate-limit window for one client tag
 * a24:stats           hash: global counters (submitted, answered, open, ...)
 * a24:open            sorted set: tickets awaiting an answer, by urgency (see _lib.lua)
 * a24:pool:<cat>:<lang>  sorted set: unclaimed tickets (queued or offered), by urgency
 * a24:offers:<user>   sorted set: tickets offered to an expert, by urgency
 * a24:mine:<user>     sorted set: tickets an expert holds (claimed, in review)
 * a24:done            sorted set: answered or withdrawn tickets by when; purged after
 *                     privacy.retention (a follow-up takes a ticket out again)
 * a24:review          sorted set: answers waiting for a supervisor
 * a24:duty:<cat>:<lang>  set: experts on duty who take that category and language
 * a24:user:<name>:duty  set: the duty sets the user was put in (to leave them all)
 * a24:rota            hash: username -> weekly shifts, canonical text (see rota.h)
 * a24:rota:onshift    hash: username -> 1 while the rota has them on shift (edges)
 * a24:onduty          set: every expert or supervisor on duty
 * a24:load            hash: user -> tickets offered to or held by them
 * a24:crisisload      hash: user -> crisis tickets offered to or held by them
 * a24:lastoffer       hash: user -> ms of their last offer (round robin on ties)
 * a24:events          stream: live ticket events for the consoles (capped)
 * a24:day:<n>         hash: figures of UTC day n (days since the epoch): submitted,
 *                     answered, in_window, breaches, crises, and per category
 *                     "<figure>:<category>"; window_ended and within_window count
 *                     on the day a window ended (see window_end in _lib.lua)
 * a24:day:<n>:times   list: seconds from question to answer, for the percentiles
 * a24:alert:<id>      hash: an alert (ticket, kind, level, notify, state, times, who)
 * a24:alerts          stream: every alert event (raised, repeat, refire, acked, resolved)
 *                     for the notifier and the live feeds
 * a24:alerts:open     sorted set: unresolved alert ids by creation time
 * a24:alerts:seq      string counter: the last alert id
 * a24:alert:<id>:history  list: the incident's changes, oldest first, each a JSON
 *                     object {at, event, kind, level, by}; never a text
 * a24:alerts:subject  hash: subject (a ticket id, or "<kind>:<what>" for an alert
 *                     about no ticket) -> its open incident's id: one per subject
 * a24:alerts:sent:<subject>  string: ms of the subject's last webhook message, kept
 *                     for a minute, so a new incident of the subject keeps the pace
 * channel a24:wake    published with a score when an earlier schedule entry is added
 * a24:users           set: every staff username
 * a24:user:<name>     hash: a staff account {role, categories, languages, display_name,
 *                     pw (Argon2id string), disabled 0/1, created}; see account.h
 * a24:user:<name>:sessions  set: the account's session ids (pruned at each sign-in), so
 *                     disabling it or a new password ends every session at once
 * a24:session:<id>    hash: a staff session {username, role, created, absolute_expiry};
 *                     <id> is the token's keyed hash, never the token; PEXPIRE is the
 *                     idle timeout, slid on use and never past absolute_expiry
 * a24:loginfail:<kind>:<id>  hash {n, until}: failed sign-ins of an account (kind
 *                     user) or a client tag (kind client); expires after a quiet window
 * a24:audit:admin     list: account changes, "<ms> <actor> <event> <username>"
 * a24:template:<id>   hash: an answer template {id, language, category, title, text,
 *                     updated, by}; the desk's own wording, not citizen text, so unsealed
 * a24:templates       sorted set: every template id, by the ms of its last change
 * a24:templates:<lang>:<cat>  set: the template ids of one language and category
 * a24:coverage:raised:<subject>:<start>  string: a coverage_gap alert was raised for
 *                     the gap of "<lang>:<cat>" starting at <start> (s); SET NX, so
 *                     several workers raise it once; expires a day after the gap ends
 * a24:erase:pending   string: ms of the earliest withdrawal or purge whose texts may
 *                     still be in Redis' AOF files; the worker's eraser takes it (GETDEL)
 *                     when it starts an AOF rewrite (workers/eraser.c)
 * a24:erase:last      string: ms of the last AOF rewrite the eraser started
 * a24:redis:memalert  string: the id of the redis_memory alert raised for the current
 *                     crossing of redis.memory_alert (gone once memory falls below)
 */
#ifndef A24_KEYS_H
#define A24_KEYS_H

#include <stdio.h>

#define A24_KEY_TICKET "a24:t:%s"
#define A24_KEY_MSGS "a24:t:%s:msgs"
#define A24_KEY_NOTES "a24:t:%s:notes"
#define A24_KEY_AUDIT "a24:t:%s:audit"
#define A24_KEY_INTAKE "a24:intake"
#define A24_KEY_SCHEDULE "a24:schedule"
#define A24_KEY_IDEM "a24:idem:%s"
#define A24_KEY_RATE "a24:rate:%s:%s"
#define A24_KEY_STATS "a24:stats"
#define A24_KEY_OPEN "a24:open"
#define A24_KEY_POOL "a24:pool:%s:%s"
#define A24_KEY_OFFERS "a24:offers:%s"
#define A24_KEY_MINE "a24:mine:%s"
#define A24_KEY_REVIEW "a24:review"
#define A24_KEY_DONE "a24:done"
#define A24_KEY_DUTY "a24:duty:%s:%s"
#define A24_KEY_ONDUTY "a24:onduty"
#define A24_KEY_ROTA "a24:rota"
#define A24_KEY_ROTA_ONSHIFT "a24:rota:onshift"
#define A24_KEY_USER_DUTY "a24:user:%s:duty"
#define A24_KEY_LOAD "a24:load"
#define A24_KEY_CRISISLOAD "a24:crisisload"
#define A24_KEY_LASTOFFER "a24:lastoffer"
#define A24_KEY_EVENTS "a24:events"
#define A24_KEY_DAY "a24:day:%s"
#define A24_KEY_DAY_TIMES "a24:day:%s:times"
#define A24_KEY_ALERT "a24:alert:%s"
#define A24_KEY_ALERTS "a24:alerts"
#define A24_KEY_ALERTS_OPEN "a24:alerts:open"
#define A24_KEY_ALERTS_DONE "a24:alerts:done"
#define A24_KEY_ALERTS_SEQ "a24:alerts:seq"
#define A24_KEY_ALERT_HISTORY "a24:alert:%s:history"
#define A24_KEY_ALERTS_SUBJECT "a24:alerts:subject"
#define A24_KEY_ALERTS_SENT "a24:alerts:sent:%s"
#define A24_CHANNEL_WAKE "a24:wake"
#define A24_KEY_USERS "a24:users"
#define A24_KEY_USER "a24:user:%s"
#define A24_KEY_USER_SESSIONS "a24:user:%s:sessions"
#define A24_KEY_SESSION "a24:session:%s"
#define A24_KEY_LOGIN_FAIL "a24:loginfail:%s:%s"
#define A24_KEY_AUDIT_ADMIN "a24:audit:admin"
#define A24_KEY_TEMPLATE "a24:template:%s"
#define A24_KEY_TEMPLATES "a24:templates"
#define A24_KEY_TEMPLATES_FOR "a24:templates:%s:%s"
#define A24_KEY_COVERAGE_RAISED "a24:coverage:raised:%s:%s"
#define A24_KEY_COVERAGE_OPEN "a24:coverage:open"
#define A24_KEY_ERASE_PENDING "a24:erase:pending"
#define A24_KEY_ERASE_LAST "a24:erase:last"
#define A24_KEY_REDIS_MEMALERT "a24:redis:memalert"

/* Prefixes and suffixes the scripts use to name keys of ids they find on their way. */
#define A24_PREFIX_TICKET "a24:t:"
#define A24_PREFIX_ALERT "a24:alert:"
#define A24_SUFFIX_AUDIT ":audit"
#define A24_PREFIX_USER "a24:user:"
#define A24_PREFIX_SESSION "a24:session:"

/** Room for any key above with an id or tag of up to 64 characters. */
#define A24_KEY_MAX 128

/** Formats a key; a24_key(buf, A24_KEY_TICKET, id). */
#define a24_key(buf, ...) snprintf((buf), A24_KEY_MAX, __VA_ARGS__)

#endif
