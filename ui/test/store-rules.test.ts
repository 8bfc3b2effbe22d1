import { describe, expect, it } from 'vitest';
import { CreateStoreBody } from '../../api/src/features/stores/store.schema.ts';
import { checkStoreInput, domainError, storeNameError } from '../src/lib/store-rules.ts';

const names = ['ab', 'abc', 'my-shop', 'My-Shop-2', '-shop', 'shop-', 'sh_op', 'shop.x', 'a'.repeat(40), 'a'.repeat(41), '1-2', 'über', 'a b c', '---', '9lives'];
const domains = ['shop.example.com', 'example', 'EXAMPLE.com', ' shop.example.com ', '10.0.0.1', 'a.123', '123.example.com', '-a.example.com', 'a-.example.com', 'a..example.com', `${'a'.repeat(64)}.com`, `${'a'.repeat(63)}.com`, `${'a.'.repeat(127)}com`, 'sh_op.example.com', 'xn--bcher-kva.example', 'shop.example.com.', 'localhost', 'a.b'];

// The dashboard imports the API's rule module; this proves the API's zod schema applies it the same way.
describe('store rules in the browser', () => {
  it.each(names)('accepts or refuses the name %j exactly as the API does', (name) => {
    const api = CreateStoreBody.safeParse({ name });
    const apiMessage = api.success ? undefined : api.error.issues.find((i) => i.path[0] === 'name')?.message;
    expect(storeNameError(name)).toBe(apiMessage);
  });

  it.each(domains)('accepts or refuses the domain %j exactly as the API does', (domain) => {
    const api = CreateStoreBody.safeParse({ name: 'shop', domain });
    const apiMessage = api.success ? undefined : api.error.issues.find((i) => i.path[0] === 'domain')?.message;
    expect(domainError(domain)).toBe(apiMessage);
  });

  it('treats an empty domain as "use the default" and reports each field separately', () => {
    expect(checkStoreInput({ name: 'my-shop', domain: '' })).toEqual({});
    expect(checkStoreInput({ name: 'x', domain: 'nodots' })).toEqual({
      name: 'A store name has at least 3 characters.',
      domain: 'A domain has at least two labels, e.g. shop.example.com.',
    });
  });
});
