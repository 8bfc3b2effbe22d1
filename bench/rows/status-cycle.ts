export async function statusCycleRow(..._a: unknown[]): Promise<never> { throw new Error('todo'); }
