import { html } from 'htm/preact';
import { render } from 'preact';
import { App } from './app';
import './app.css';

render(html`<${App} />`, document.getElementById('app')!);
