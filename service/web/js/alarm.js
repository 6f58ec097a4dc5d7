/*
 * alarm.js — tells on-call of a new crisis while the dashboard is open: a browser
 * notification (only after the person granted it through a button: browsers refuse
 * a permission prompt nobody asked for) and a short two-tone chime made with Web
 * Audio (no sound file, nothing from another host). The notification carries the
 * kind, language and ticket id only, never a text: lock screens are not private.
 */

let audio = null;
let enabled = false;

/** True once the person turned the alarm on (this page load). */
export function alarmEnabled() {
  return enabled;
}

/** The browser's notification permission: "granted", "denied", "default" or "unsupported". */
export function notificationPermission() {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/**
 * Turns the alarm on from a user gesture (the button's click): asks for notification
 * permission and unlocks audio. Resolves to the permission.
 */
export async function enableAlarm() {
  enabled = true;
  try {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (Ctx && !audio) audio = new Ctx();
    if (audio && audio.state === 'suspended') await audio.resume();
  } catch (_) {
    audio = null;
  }
  if (typeof Notification !== 'undefined' && Notification.permission === 'default') {
    try {
      await Notification.requestPermission();
    } catch (_) { /* an old browser's callback form: the permission stays "default" */ }
  }
  return notificationPermission();
}

/** Plays the chime: two short sine tones, quiet enough not to startle. */
export function chime() {
  if (!enabled || !audio) return false;
  const now = audio.currentTime;
  for (const [i, freq] of [[0, 880], [1, 660]]) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = 'sine';
    osc.frequency.value = freq;
    const start = now + i * 0.22;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.25, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.2);
    osc.connect(gain).connect(audio.destination);
    osc.start(start);
    osc.stop(start + 0.21);
  }
  window.__a24Chimes = (window.__a24Chimes || 0) + 1; // read by the browser tests
  return true;
}

/** Shows a notification (if granted) and plays the chime for a new crisis. */
export function alarm(title, body, tag) {
  if (!enabled) return;
  chime();
  if (notificationPermission() === 'granted') {
    try {
      const n = new Notification(title, { body, tag, renotify: true, requireInteraction: true });
      n.onclick = () => {
        window.focus();
        n.close();
      };
    } catch (_) { /* some browsers allow notifications only from a service worker */ }
  }
}
