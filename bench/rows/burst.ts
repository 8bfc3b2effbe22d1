export async function burstRows(..._a: unknown[]): Promise<never> { throw new Error('todo'); }
