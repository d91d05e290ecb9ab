// Phases are shown as a badge: an icon, the word, and a colour, so that
// they never rely on colour alone.

import { h } from './dom';

const ICONS: Record<string, string> = {
  Succeeded: '✓', Ready: '✓', Complete: '✓', Active: '✓', Valid: '✓',
  Failed: '✗', Error: '✗',
  Running: '▶', Loading: '▶', Terminating: '▶',
  Pending: '…', Waiting: '…',
  Skipped: '↷',
  Canceled: '⊘',
  Suspended: '‖', Stopped: '■', EarlyStopped: '■',
};

// phaseClass maps a phase to one of the colour classes of app.css.
export function phaseClass(phase: string): string {
  switch (phase) {
    case 'Succeeded': case 'Ready': case 'Complete': case 'Active': case 'Valid':
      return 'ph-ok';
    case 'Failed': case 'Error':
      return 'ph-fail';
    case 'Running': case 'Loading': case 'Terminating':
      return 'ph-run';
    case 'Skipped':
      return 'ph-skip';
    case 'Canceled':
      return 'ph-cancel';
    case 'Suspended': case 'Stopped': case 'EarlyStopped':
      return 'ph-stop';
    default:
      return 'ph-pending';
  }
}

export function phaseIcon(phase: string): string {
  return ICONS[phase] || '•';
}

// badge renders a phase (data-testid "phase", with data-phase).
export function badge(phase: string | undefined): HTMLElement {
  const p = phase || 'Unknown';
  return h('span', { class: `badge ${phaseClass(p)}`, 'data-testid': 'phase', 'data-phase': p },
    h('span', { 'aria-hidden': 'true', class: 'icon' }, phaseIcon(p)), ' ', p);
}

// The phases each kind may be in, for the list filter.
export const PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Canceled', 'Suspended', 'Loading', 'Ready', 'Stopped'];
