// @mode worker
return { message: "Hello from Hoody Exec!" };
