// Private helper (folders starting with `_` are not routes).
export interface User {
  id: string;
  name: string;
}

const users: User[] = [
  { id: '1', name: 'Ada' },
  { id: '2', name: 'Grace' },
];

export function allUsers(): User[] {
  return users;
}

export function findUser(id: string): User | undefined {
  return users.find((user) => user.id === id);
}
