export async function runPlayground(_flags: object): Promise<number> {
  throw new Error('playground is being wired');
}
