import adapter from '@sveltejs/adapter-node';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

// SvelteKit 3 reads its configuration from the plugin options (svelte.config.js is gone).
// adapter-node writes ui/build/handler.js, which ui/server.ts mounts in the API's Express app.
export default defineConfig({
  plugins: [
    sveltekit({
      adapter: adapter({ out: 'build', precompress: false, envPrefix: 'UI_' }),
      compilerOptions: { runes: true },
      // Kit adds hashes or nonces for its own inline scripts; everything else comes from this origin.
      csp: {
        mode: 'auto',
        directives: {
          'default-src': ['self'],
          'script-src': ['self'],
          'style-src': ['self', 'unsafe-inline'],
          'img-src': ['self', 'data:'],
          'connect-src': ['self'],
          'form-action': ['self'],
          'frame-ancestors': ['none'],
          'base-uri': ['self'],
          'object-src': ['none'],
        },
      },
    }),
  ],
  logLevel: 'warn',
});
