# SQLAlchemy 1.4 ORM over sqlite (a file in the project).
import os
from sqlalchemy import Column, ForeignKey, Integer, String, create_engine, func, select
from sqlalchemy.orm import Session, declarative_base, relationship

Base = declarative_base()


class Author(Base):
    __tablename__ = "author"
    id = Column(Integer, primary_key=True)
    name = Column(String, nullable=False)
    books = relationship("Book", back_populates="author")


class Book(Base):
    __tablename__ = "book"
    id = Column(Integer, primary_key=True)
    title = Column(String)
    author_id = Column(ForeignKey("author.id"))
    author = relationship("Author", back_populates="books")


if os.path.exists("out/books.db"):
    os.remove("out/books.db")
engine = create_engine("sqlite:///out/books.db", future=True)
Base.metadata.create_all(engine)
with Session(engine) as s:
    a = Author(name="Le Guin", books=[Book(title="The Dispossessed"), Book(title="Earthsea")])
    s.add_all([a, Author(name="Nobody")])
    s.commit()
with Session(engine) as s:
    rows = s.execute(select(Author.name, func.count(Book.id)).outerjoin(Book).group_by(Author.id).order_by(Author.name)).all()
    assert [tuple(r) for r in rows] == [("Le Guin", 2), ("Nobody", 0)], rows
print("sqlalchemy ok")
