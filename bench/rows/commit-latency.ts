export async function commitLatencyRow(..._a: unknown[]): Promise<never> { throw new Error('todo'); }
