import { allUsers } from '../_lib/users.ts';

return allUsers();
