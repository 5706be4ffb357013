/** Numeric constants from the System V ABI / ELF specification that the reader uses. */

export const ELFCLASS32 = 1;
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const ELFDATA2MSB = 2;

export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;
export const ET_CORE = 4;

export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;

export const SHT_SYMTAB = 2;
/** e_phnum value meaning "the real count is in sh_info of section 0". */
export const PN_XNUM = 0xffff;
/** e_shstrndx value meaning "the real index is in sh_link of section 0". */
export const SHN_XINDEX = 0xffff;

export const DT_NULL = 0;
export const DT_NEEDED = 1;
export const DT_STRTAB = 5;
export const DT_STRSZ = 10;
export const DT_SONAME = 14;
export const DT_RPATH = 15;
export const DT_RUNPATH = 29;
export const DT_FLAGS_1 = 0x6ffffffb;
export const DF_1_NODEFLIB = 0x00000800;
export const DF_1_PIE = 0x08000000;

export const EM_386 = 3;
export const EM_MIPS = 8;
export const EM_PPC = 20;
export const EM_PPC64 = 21;
export const EM_S390 = 22;
export const EM_ARM = 40;
export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;
export const EM_RISCV = 243;
export const EM_LOONGARCH = 258;

/** Short, conventional names for the machines a container image is likely to hold. */
const MACHINE_NAMES: Record<number, string> = {
  0: "none",
  2: "sparc",
  [EM_386]: "i386",
  4: "m68k",
  [EM_MIPS]: "mips",
  18: "sparc32plus",
  [EM_PPC]: "ppc",
  [EM_PPC64]: "ppc64",
  [EM_S390]: "s390",
  [EM_ARM]: "arm",
  42: "sh",
  43: "sparcv9",
  50: "ia64",
  [EM_X86_64]: "x86_64",
  [EM_AARCH64]: "aarch64",
  [EM_RISCV]: "riscv",
  247: "bpf",
  [EM_LOONGARCH]: "loongarch",
};

export function machineName(machine: number): string {
  return MACHINE_NAMES[machine] ?? `machine-${machine}`;
}
