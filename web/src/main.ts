import { render } from 'preact';
import { App } from './app.ts';
import { html } from './html.ts';
import { interceptLinks } from './router.ts';
import './styles.css';

interceptLinks(document);
const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(html`<${App} />`, root);
}
