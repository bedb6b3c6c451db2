/**
 * `com.example.ferry.api.User` of the Java peers (examples/dubbo-java): its field types and the JSON of
 * `SampleData.user(id, name)`. Shared by the sidecar's tests and the benchmarks (`@ferry/sidecar/test-support/java-samples`),
 * so both send the user the Java side builds. Not a test file; plain data, no imports.
 */

export const USER_CLASS = 'com.example.ferry.api.User';

/** The User POJO's field types, in declaration order (what `classes:` holds in Ferry's config). */
export const USER_FIELDS: Readonly<Record<string, string>> = {
  id: 'long',
  name: 'java.lang.String',
  age: 'int',
  tags: 'java.util.List<java.lang.String>',
  color: 'com.example.ferry.api.Color',
  birthday: 'java.util.Date',
  balance: 'java.math.BigDecimal',
  attributes: 'java.util.Map<java.lang.String,java.lang.String>',
};

/** The JSON of SampleData.user(id, name) on the Java side. */
export function sampleUser(id: number | string, name: string): Record<string, unknown> {
  return {
    id,
    name,
    age: 30,
    tags: ['a', 'b'],
    color: 'GREEN',
    birthday: '1990-05-17T00:00:00.000Z',
    balance: '1234.56',
    attributes: { k: 'v' },
  };
}
