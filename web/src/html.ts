import htm from 'htm';
import { h } from 'preact';

/** JSX-like templates without a compile step for the syntax: htm turns them into Preact calls. */
export const html = htm.bind(h);
