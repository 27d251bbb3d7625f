import t from 'tap';
import { generatePassword, isValidRdsPassword, PASSWORD_LENGTH } from '../../../src/controller/password.js';

t.test('generated passwords follow RDS rules and are unique', async (t) => {
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const password = generatePassword();
    t.equal(password.length, PASSWORD_LENGTH);
    if (!isValidRdsPassword(password)) t.fail(`invalid: ${password}`);
    if (/[/@" :\\%?#&'`$]/.test(password)) t.fail(`needs escaping: ${password}`);
    seen.add(password);
  }
  t.equal(seen.size, 2000);
});

t.test('RDS password rules', async (t) => {
  t.notOk(isValidRdsPassword('short'));
  t.notOk(isValidRdsPassword('has/slash-and-more'));
  t.notOk(isValidRdsPassword('has@at-and-more'));
  t.notOk(isValidRdsPassword('has"quote-and-more'));
  t.notOk(isValidRdsPassword('has space-and-more'));
  t.ok(isValidRdsPassword('Valid-Pass_word.~1'));
});
